"""The Rasa project itself: training data validates and the hand-written conversations pass."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.env import subprocess_env
from harness.paths import REPO_ROOT
from harness.rasa import rasa_command


def _rasa(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*rasa_command(), *args], cwd=REPO_ROOT, env=subprocess_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_training_data_validates_without_warnings() -> None:
    """`rasa data validate --fail-on-warnings` accepts domain, rules and NLU data."""
    result = _rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.usefixtures("trained_model")
def test_conversation_stories_pass_without_prediction_errors(tmp_path: Path) -> None:
    """Every story in tests/conversations is predicted exactly (intents and actions)."""
    result = _rasa("test", "core", "--model", "models/careers.tar.gz", "--stories",
                   "tests/conversations", "--fail-on-prediction-errors", "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, detail
