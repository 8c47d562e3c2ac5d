"""Where the project and its Rasa files are, for tests and benchmarks run from any folder."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = REPO_ROOT / "models" / "careers.tar.gz"
CREDENTIALS_PATH = REPO_ROOT / "credentials.yml"
ENDPOINTS_PATH = REPO_ROOT / "endpoints.yml"
