"""Every replacement of Rasa or Sanic internals, applied by one call at start-up: `apply()`.

Each module here replaces one piece of Rasa 3.6.21 / Sanic 21.12 with an equivalent that is
faster or fixes a named bug; each has a test showing it behaves like what it replaces. They are
written against exactly the versions in `SUPPORTED`, so `apply()` first checks the installed
ones and refuses to start, with a clear message, on any other.

Two kinds:
- installed by `apply()` into Rasa's own classes: `speedups` (action-reply validation, event
  class lookup, kept-alive action-server sessions), `rule_matching` (RulePolicy tests only the
  rules that can match), `events_table` (AUTOINCREMENT on the `events` table), `validator`
  (training and `rasa data validate` count the responses Rasa sends itself as used),
  `tracker_store_errors` (a database error is raised, not hidden behind an in-memory store);
- used by this project's components, which call `require_applied()` so that a server started
  without `apply()` stops with the same message: `sql_tracker_store` (the tracker store's
  reads, saves and error handling), `sanic_cors` (the web chat's CORS rule), `server_root`
  (`GET /` without Rasa's version) and `sanic_apps` (the running server's agent).

Rasa's command line is run by `python -m bot.rasa.serve` (the Procfile's `rasa` line, and the
Makefile's training and validation), which calls `apply()` before Rasa's command line runs.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

SUPPORTED = {"rasa": "3.6.21", "sanic": "21.12", "sanic-cors": "2.0"}
LAUNCHER = "python -m bot.rasa.serve"
_applied = False


class PatchError(RuntimeError):
    """The installed Rasa or Sanic is not the version the patches were written for, or they are not applied."""


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def version_problems() -> list[str]:
    """One line per package whose installed version is not the supported one (empty when all match)."""
    problems = []
    for package, wanted in SUPPORTED.items():
        found = _installed(package)
        if found != wanted and not found.startswith(wanted + "."):
            problems.append(f"{package} {found} is installed; bot/rasa/patches supports {package} {wanted}")
    return problems


def apply() -> None:
    """Check the installed versions, then install every patch into Rasa's classes (idempotent)."""
    global _applied
    if _applied:
        return
    problems = version_problems()
    if problems:
        raise PatchError("Refusing to start: " + "; ".join(problems) + ". Install the pinned versions "
                         "(`make install`, constraints.txt) or port bot/rasa/patches to the new version "
                         "and update SUPPORTED.")
    from bot.rasa.patches import events_table, rule_matching, speedups, tracker_store_errors, validator

    speedups.install()
    rule_matching.install()
    events_table.install()
    validator.install()
    tracker_store_errors.install()
    _applied = True


def is_applied() -> bool:
    """Whether `apply()` has run in this process."""
    return _applied


def require_applied(component: str) -> None:
    """Stop with a clear message when `component` is used in a server started without `apply()`."""
    if not _applied:
        raise PatchError(f"{component} needs the patches in bot/rasa/patches, which were not applied: start the "
                         f"Rasa server with `{LAUNCHER} run ...` (as the Procfile does), not `rasa run`.")
