"""Where the benchmark finds its inputs and writes its results and cached models (project files: harness.paths)."""
from __future__ import annotations

from harness.paths import REPO_ROOT

BENCH_VAR = REPO_ROOT / "var" / "bench"
RESULTS_PATH = BENCH_VAR / "results.json"
STOCK_CACHE = BENCH_VAR / "stock"
CONFIG_PATH = REPO_ROOT / "config.yml"
# data/nlu.yml and the topic files in data/nlu/ (Rasa reads the NLU files of the folder, not the rules).
NLU_DATA = REPO_ROOT / "data"
