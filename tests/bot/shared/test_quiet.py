"""Other packages' deprecation warnings are left out, even behind filters added later; the project's stay."""
from __future__ import annotations

import sysconfig
import warnings
from pathlib import Path

import bot.shared.quiet as quiet
from bot.shared.quiet import installed_roots, is_third_party, quiet_third_party_warnings

SITE_PACKAGES = Path(sysconfig.get_path("purelib"))


def test_only_the_project_s_deprecations_are_shown() -> None:
    shown: list[tuple[str, str]] = []
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, category, filename, *_rest: shown.append((str(message), filename))
        quiet_third_party_warnings()
        # What sanic/app.py and Rasa do after start-up: "once" filters in front of PYTHONWARNINGS's.
        warnings.simplefilter("ignore")
        warnings.filterwarnings("once", category=DeprecationWarning)
        warnings.filterwarnings("once", category=UserWarning)
        library = str(SITE_PACKAGES / "somelib" / "old.py")
        warnings.warn_explicit("library deprecation", DeprecationWarning, library, 1)
        warnings.warn_explicit("library pending deprecation", PendingDeprecationWarning, library, 2)
        warnings.warn_explicit("frozen import deprecation", DeprecationWarning, "<frozen importlib._bootstrap>", 3)
        warnings.warn_explicit("project deprecation", DeprecationWarning, quiet.__file__, 4)
        warnings.warn_explicit("training data warning", UserWarning, library, 5)
    assert shown == [("project deprecation", quiet.__file__), ("training data warning", library)]


def test_installed_files_are_third_party_and_the_project_is_not() -> None:
    roots = installed_roots()
    assert is_third_party(warnings.__file__, roots)
    assert is_third_party(str(SITE_PACKAGES / "rasa" / "server.py"), roots)
    assert not is_third_party(quiet.__file__, roots)
