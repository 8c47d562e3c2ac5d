"""Where the benchmark finds the project and writes its results, logs and cached models."""
from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = REPO_ROOT / "var" / "bench"
RESULTS_PATH = BENCH_VAR / "results.json"
LOG_DIR = BENCH_VAR / "logs"
STOCK_CACHE = BENCH_VAR / "stock"
MODEL_PATH = REPO_ROOT / "models" / "careers.tar.gz"
CONFIG_PATH = REPO_ROOT / "config.yml"
# data/nlu.yml and the topic files in data/nlu/ (Rasa reads the NLU files of the folder, not the rules).
NLU_DATA = REPO_ROOT / "data"
CREDENTIALS_PATH = REPO_ROOT / "credentials.yml"
ENDPOINTS_PATH = REPO_ROOT / "endpoints.yml"


def rasa_executable() -> str:
    """The `rasa` script next to the running interpreter (the project's venv)."""
    return str(Path(sys.executable).parent / "rasa")


def log_path(name: str) -> Path:
    """A log file for one benchmark subprocess, in var/bench/logs (created on demand)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"{name}.log"
