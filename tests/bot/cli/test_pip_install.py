"""`python -m bot.cli.pip_install`: pip's pages become a few plain lines; warnings, errors and failures show."""
from __future__ import annotations

import io
from pathlib import Path

from bot.cli.pip_install import Progress, run, short_name

PIP_OUTPUT = """\
Looking in indexes: https://pypi.org/simple, file:///opt/pypi/simple
WARNING: Location 'file:///opt/pypi-more/simple/six/' is ignored: it is neither a file nor a directory.
Obtaining file:///work/project
  Installing build dependencies: started
  Installing build dependencies: finished with status 'done'
Collecting rasa==3.6.21
  Downloading rasa-3.6.21-py3-none-any.whl (1.2 MB)
Processing /opt/pypi/files/six-1.17.0-py2.py3-none-any.whl
Requirement already satisfied: pip in ./.venv/lib/python3.10/site-packages (23.0.1)
WARNING: The script rasa is installed in '/somewhere' which is not on PATH.
  Consider adding this directory to PATH.
  Building wheel for docopt (pyproject.toml): started
Installing collected packages: six, rasa, career-coach
Successfully installed career-coach-0.1.0 rasa-3.6.21 six-1.17.0
"""


def test_a_few_plain_lines_outside_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(out, live=False)
    for line in PIP_OUTPUT.splitlines(keepends=True):
        progress.read(line)
    progress.finish(0)
    lines = out.getvalue().splitlines()
    assert lines[0] == "WARNING: The script rasa is installed in '/somewhere' which is not on PATH."
    assert lines[1] == "  Consider adding this directory to PATH."
    assert lines[2].startswith("  4 packages found in ") and lines[2].endswith("installing 3 of them…")
    assert lines[3].startswith("  3 packages installed in ")
    assert len(lines) == 4 and "Location" not in out.getvalue() and "\r" not in out.getvalue()


def test_the_progress_line_names_what_pip_does() -> None:
    progress = Progress(io.StringIO(), live=False)
    progress.read("Collecting tensorflow==2.12.0\n")
    progress.read("  Downloading tensorflow-2.12.0-cp310-cp310-manylinux_2_17_x86_64.whl (585.9 MB)\n")
    assert progress.line().endswith("1 package found; downloading tensorflow")
    assert short_name("/opt/wheels/ruamel.yaml.clib-0.2.15-cp310.whl") == "ruamel.yaml.clib"
    assert short_name("rasa[spacy]==3.6.21") == "rasa"


def test_a_failure_prints_the_end_of_pip_s_output(tmp_path: Path) -> None:
    out, log = io.StringIO(), tmp_path / "pip-install.log"
    code = run(["--no-index", "--no-deps", "no-such-package-anywhere==0.0.1"], log, out)
    assert code != 0
    assert "ERROR: " in out.getvalue() and f"pip failed (exit code {code})" in out.getvalue()
    assert str(log) in out.getvalue() and "no-such-package-anywhere" in log.read_text()
