"""Generated secrets: created once with owner-only permissions, the same for every racing process."""
from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from bot.shared.action_token import action_server_token
from bot.shared.generated_secrets import persistent_secret
from bot.shared.settings import Settings


def test_a_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret"
    first = persistent_secret(path)
    assert first and persistent_secret(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary files left


def test_racing_first_uses_all_get_the_same_complete_secret(tmp_path: Path) -> None:
    for attempt in range(20):
        path, found, start = tmp_path / f"race-{attempt}", [], threading.Barrier(8)

        def take(path: Path = path, found: list[str] = found, start: threading.Barrier = start) -> None:
            start.wait()
            found.append(persistent_secret(path))

        threads = [threading.Thread(target=take) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(found)) == 1 and found[0], found


def test_the_action_server_token_comes_from_the_environment_or_var(tmp_path: Path) -> None:
    assert action_server_token(Settings(var_dir=tmp_path, action_server_token="set-by-hand")) == "set-by-hand"
    generated = action_server_token(Settings(var_dir=tmp_path))
    assert generated == (tmp_path / "action_server_token").read_text().strip()
