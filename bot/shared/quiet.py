"""Keep other packages' deprecation warnings out of the output; the project's own warnings still show.

`PYTHONWARNINGS=ignore::DeprecationWarning` (the Makefile sets it) is not enough for the Rasa
server, `rasa train` and the action server: at import, `sanic/app.py` puts
`filterwarnings("once", DeprecationWarning)` in front of every filter, and Rasa puts
`filterwarnings("once", UserWarning)` there when it starts (pyparsing's deprecations are
UserWarnings too). So they print a page of pkg_resources, pyparsing (matplotlib, packaging), click
(typer, spaCy), distutils (sanic_cors) and jax deprecations that say nothing about this project.
Filters other packages add later always win, so `quiet_third_party_warnings()` drops these warnings
where they are shown instead: a deprecation warning attributed to a file of the standard library or
of an installed package (site-packages) is not printed; one attributed to the project's own files is.

The Rasa launcher (bot/rasa/serve.py: the server, training, validation) and the action server
(actions/serve.py) call it first.
"""
from __future__ import annotations

import os
import site
import sysconfig
import warnings
from typing import Optional, TextIO

NOISY_CATEGORIES: tuple[type[Warning], ...] = (DeprecationWarning, PendingDeprecationWarning)


def installed_roots() -> tuple[str, ...]:
    """The standard library's and the installed packages' folders, as given and with links resolved."""
    folders = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.update(site.getsitepackages())
    return tuple(sorted({os.path.join(path, "") for folder in folders for path in (folder, os.path.realpath(folder))}))


def is_third_party(filename: str, roots: tuple[str, ...]) -> bool:
    """True when the file belongs to the standard library or an installed package (not the project)."""
    if filename.startswith("<frozen "):
        return True
    return any(path.startswith(roots) for path in (filename, os.path.realpath(filename)))


def quiet_third_party_warnings() -> None:
    """Stop printing deprecation warnings raised outside the project's files, whatever filters come later."""
    roots = installed_roots()
    show = warnings.showwarning

    def showwarning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    file: Optional[TextIO] = None, line: Optional[str] = None) -> None:
        if issubclass(category, NOISY_CATEGORIES) and is_third_party(filename, roots):
            return
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning
