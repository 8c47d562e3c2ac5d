"""The action server needs only actions/, knowledge/ and bot/shared/: no Rasa-server, web or CLI code, no Rasa."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# What `python -m actions.serve --actions actions` loads: its module and every action.
LOAD_THE_ACTION_SERVER = """
import json, sys
import actions.serve
from rasa_sdk.executor import ActionExecutor
ActionExecutor().register_package("actions")
print(json.dumps(sorted({m.split(".")[0] if m.split(".")[0] != "bot" else ".".join(m.split(".")[:2])
                         for m in sys.modules})))
"""


def test_the_action_server_imports_no_code_of_the_other_processes() -> None:
    done = subprocess.run([sys.executable, "-c", LOAD_THE_ACTION_SERVER], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert {"actions", "knowledge", "bot.shared", "rasa_sdk"} <= loaded  # the check sees what it should
    assert {m for m in loaded if m.startswith("bot.")} == {"bot.shared"}
    assert "rasa" not in loaded
