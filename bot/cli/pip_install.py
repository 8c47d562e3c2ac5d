"""`python -m bot.cli.pip_install ARGS...`: `pip install ARGS...` with one progress line instead of pages of output.

The Makefile's install step runs it before the project's dependencies exist, so it uses only the
standard library. pip's whole output goes to `pip-install.log` in the virtualenv; the terminal gets
a progress line (redrawn in place on a terminal, a plain line a minute in a CI log), pip's own
warnings and errors, and on failure the end of the log. Left out of the terminal: pip's notes that
an index folder of this machine's pip configuration has no copy of a package.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Optional, TextIO

FOUND = re.compile(r"^(?:Collecting|Processing|Obtaining|Requirement already satisfied:) (\S+)")
DOING = re.compile(r"^\s*(Downloading|Building wheel for|Building editable for|Running setup\.py install for) (\S+)")
INSTALLING = re.compile(r"^Installing collected packages: (.+)")
INSTALLED = re.compile(r"^Successfully installed (.+)")
SHOWN = re.compile(r"^\s*(ERROR|WARNING|DEPRECATION)\b")
STEP = re.compile(r"^\s+(Using cached|Preparing|Installing build|Getting requirements|Checking if|Created wheel|"
                  r"Stored in|Attempting|Found existing|Uninstalling|Successfully|Running setup|Building)")
NOISE = re.compile(r"^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.")
TAIL_LINES = 40


def duration(seconds: float) -> str:
    """'48 s' or '3 min 28 s'."""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def packages(count: int) -> str:
    """'1 package', '183 packages'."""
    return f"{count} package" if count == 1 else f"{count} packages"


def short_name(found: str) -> str:
    """A package's name from pip's 'Collecting rasa==3.6.21' or 'Processing /dir/six-1.17.0-py3.whl'."""
    name = found.rstrip("/").rsplit("/", 1)[-1]
    return re.split(r"[<>=!~;\[]|-\d", name, maxsplit=1)[0]


class Progress:
    """What pip is doing, from its output lines; drawn as one line."""

    def __init__(self, out: TextIO, live: bool) -> None:
        self.out, self.live = out, live
        self.start = time.monotonic()
        self.found = 0
        self.installing = 0
        self.installed = 0
        self.doing = "resolving"
        self.lock = threading.Lock()
        self.drawn = False
        self.showing = False

    def line(self) -> str:
        """The progress line: elapsed time, packages found, what pip does now."""
        what = f"installing {packages(self.installing)}" if self.installing else self.doing
        return f"  {duration(time.monotonic() - self.start)}: {packages(self.found)} found; {what}"

    def read(self, text: str) -> bool:
        """Take in one line of pip's output; pass pip's warnings and errors through (True if shown)."""
        with self.lock:
            shown = self.showing and text[:1].isspace() and not STEP.match(text)
            self.showing = False
            if shown or (SHOWN.match(text) and not NOISE.match(text)):
                self.say(text.rstrip())
                self.showing = True
            elif (found := FOUND.match(text)) is not None:
                self.found += 1
                self.doing = f"looking at {short_name(found.group(1))}"
            elif (doing := DOING.match(text)) is not None:
                self.doing = f"{doing.group(1).lower()} {short_name(doing.group(2))}"
            elif (installing := INSTALLING.match(text)) is not None:
                self.installing = len(installing.group(1).split(", "))
                if not self.live:  # on a terminal the progress line says so
                    self.say(f"  {packages(self.found)} found in {duration(time.monotonic() - self.start)}; "
                             f"installing {self.installing} of them…")
            elif (installed := INSTALLED.match(text)) is not None:
                self.installed = len(installed.group(1).split())
            self.draw()
            return self.showing

    def say(self, text: str) -> None:
        """Print a line that stays (above the redrawn progress line on a terminal)."""
        if self.live and self.drawn:
            self.out.write("\r\033[K")
            self.drawn = False
        print(text, file=self.out, flush=True)

    def draw(self) -> None:
        """Redraw the progress line in place (terminal only)."""
        if self.live:
            columns = shutil.get_terminal_size().columns
            width = columns - 1 if columns > 20 else 79
            self.out.write("\r\033[K" + self.line()[:width])
            self.out.flush()
            self.drawn = True

    def tick(self, stop: threading.Event, every: float) -> None:
        """Keep the elapsed time moving: redraw each second on a terminal, a plain line each `every` s elsewhere."""
        while not stop.wait(1.0 if self.live else every):
            with self.lock:
                if self.live:
                    self.draw()
                else:
                    print(self.line(), file=self.out, flush=True)

    def finish(self, returncode: int) -> None:
        """Replace the progress line with the outcome."""
        with self.lock:
            if self.live and self.drawn:
                self.out.write("\r\033[K")
            took = duration(time.monotonic() - self.start)
            if returncode:
                return
            if self.installed:
                print(f"  {packages(self.installed)} installed in {took}.", file=self.out, flush=True)
            else:
                print(f"  Nothing to install: {packages(self.found)} already there ({took}).", file=self.out,
                      flush=True)


def run(args: list[str], log_path: Path, out: TextIO = sys.stdout, every: float = 60.0) -> int:
    """Run `pip install ARGS`, its output to `log_path`, progress to `out`; pip's exit code."""
    progress = Progress(out, live=out.isatty())
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    stop = threading.Event()
    ticker = threading.Thread(target=progress.tick, args=(stop, every), daemon=True)
    command = [sys.executable, "-m", "pip", "install", "--progress-bar", "off", *args]
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        pip = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert pip.stdout is not None
        ticker.start()
        try:
            for text in pip.stdout:
                log.write(text)
                if not progress.read(text) and not NOISE.match(text):
                    tail.append(text.rstrip())
        except KeyboardInterrupt:  # Ctrl-C reached pip too; let it finish stopping
            pass
        returncode = pip.wait()
    stop.set()
    ticker.join()
    progress.finish(returncode)
    if returncode:
        print(f"pip failed (exit code {returncode}). The end of its output:", file=out)
        print("\n".join(f"  {text}" for text in tail), file=out)
        print(f"All of it: {log_path}", file=out, flush=True)
    return returncode


def main(argv: Optional[list[str]] = None) -> int:
    """`python -m bot.cli.pip_install ARGS...` (the arguments of `pip install`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return run(args, Path(sys.prefix) / "pip-install.log")


if __name__ == "__main__":
    sys.exit(main())
