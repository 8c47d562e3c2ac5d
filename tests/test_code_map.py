"""The README's code map matches the folders: every folder it names exists, every code folder is named."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| `([^`]+/)` \|", re.MULTILINE)


def _code_map() -> set[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Code map", 1)[1].split("\n## ", 1)[0]
    return set(ROW.findall(section))


def _tracked_folders() -> set[str]:
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    return {str(Path(f).parent) + "/" for f in files if "/" in f} | {f.split("/")[0] + "/" for f in files if "/" in f}


def test_every_folder_the_code_map_names_exists() -> None:
    named = _code_map()
    assert len(named) >= 10
    assert sorted(n for n in named if not (REPO_ROOT / n).is_dir()) == []


def test_every_top_level_folder_and_every_package_of_bot_is_in_the_code_map() -> None:
    named = _code_map()
    folders = _tracked_folders()
    wanted = {f for f in folders if f.count("/") == 1} - {"bot/"}  # top-level folders; bot/ by its rooms
    # bot/'s rooms and the packages in them (bot/rasa/nlu/, bot/web/console/, ...), not deeper
    wanted |= {f for f in folders if f.startswith("bot/") and f.count("/") in (2, 3)
               and (REPO_ROOT / f / "__init__.py").exists()}
    assert sorted(wanted - named) == []
