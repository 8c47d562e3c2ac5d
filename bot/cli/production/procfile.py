"""Each process's command line as the Procfile has it, with its flags moved (ports, endpoints file).

`make run` starts the Procfile with honcho; the production profile starts the same commands
several times on other ports, so the Procfile stays the one place that says how a process starts.
"""
from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.shared.settings import PROJECT_ROOT

PROCFILE = PROJECT_ROOT / "Procfile"
# The Procfile names the project's interpreter by its path; the launcher runs inside it already.
_PYTHON = ".venv/bin/python"


class ProcfileError(RuntimeError):
    """The Procfile has no such process, or its command lacks a flag the profile moves."""


def procfile_commands(path: Path = PROCFILE) -> dict[str, list[str]]:
    """Every `name: command` line of the Procfile, split as a shell would."""
    commands: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not line.lstrip().startswith("#"):
            commands[name.strip()] = shlex.split(command)
    return commands


def command(name: str, flags: Mapping[str, str], path: Path = PROCFILE) -> list[str]:
    """The Procfile's `name` command run by this interpreter, with each `--flag VALUE` in `flags` replaced."""
    try:
        argv = list(procfile_commands(path)[name])
    except KeyError:
        raise ProcfileError(f"{path} has no '{name}:' line") from None
    if argv and argv[0] == _PYTHON:
        argv[0] = sys.executable
    for flag, value in flags.items():
        if flag not in argv[:-1]:
            raise ProcfileError(f"the Procfile's {name!r} command has no {flag} VALUE to replace")
        argv[argv.index(flag) + 1] = value
    return argv
