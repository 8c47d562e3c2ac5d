"""Reference: the same concurrent load against the stock assistant `rasa init` creates."""
from __future__ import annotations

import shutil
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from bench.commands import run_rasa
from bench.conversations import STOCK_CONVERSATION, STOCK_READINESS_QUESTION
from bench.paths import STOCK_CACHE
from bench.throughput import measure_concurrent
from harness.processes import free_ports
from harness.rasa import rasa_server, rasa_server_args, wait_until_answering, write_endpoints

INIT_TIMEOUT_SECONDS = 30 * 60
_CACHED_FILES = ("stock.tar.gz", "credentials.yml", "endpoints.yml")


def cache_dir() -> Path:
    """Where the trained stock assistant is kept, one folder per Rasa version."""
    return STOCK_CACHE / f"rasa-{version('rasa')}"


def build_stock_assistant(target: Path) -> None:
    """`rasa init --no-prompt` (which also trains) in a temp dir; keep model and YAML files."""
    with tempfile.TemporaryDirectory(prefix="bench-stock-") as tmp:
        project = Path(tmp) / "stock"
        project.mkdir()  # `rasa init --no-prompt` needs the folder to exist
        run_rasa(["init", "--no-prompt", "--init-dir", str(project)], "stock-init",
                 INIT_TIMEOUT_SECONDS, cwd=Path(tmp), stock=True)
        models = sorted((project / "models").glob("*.tar.gz"))
        if not models:  # init did not train: train once here
            run_rasa(["train", "--out", "models", "--quiet"], "stock-train",
                     INIT_TIMEOUT_SECONDS, cwd=project, stock=True)
            models = sorted((project / "models").glob("*.tar.gz"))
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copyfile(models[-1], staging / "stock.tar.gz")
        for name in ("credentials.yml", "endpoints.yml"):
            shutil.copyfile(project / name, staging / name)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)


def ensure_stock_assistant() -> tuple[Path, bool]:
    """The cached stock assistant folder, built first if missing; and whether it was built."""
    target = cache_dir()
    if all((target / name).exists() for name in _CACHED_FILES):
        return target, False
    build_stock_assistant(target)
    return target, True


def run() -> dict[str, Any]:
    """Serve the stock assistant with a temp SQLite tracker store and load it."""
    started = time.monotonic()
    stock, trained = ensure_stock_assistant()
    build_seconds = time.monotonic() - started
    with tempfile.TemporaryDirectory(prefix="bench-stock-run-") as tmp:
        tracker_db = Path(tmp) / "tracker.db"
        generated = yaml.safe_load((stock / "endpoints.yml").read_text()) or {}
        endpoints = write_endpoints(Path(tmp) / "endpoints.yml", {
            **generated, "tracker_store": {"type": "SQL", "dialect": "sqlite",
                                           "db": str(tracker_db)}})
        (port,) = free_ports(1)
        started = time.monotonic()
        with rasa_server("stock-rasa", rasa_server_args(stock / "stock.tar.gz", port,
                                                        stock / "credentials.yml", endpoints),
                         port, cwd=stock, stock=True) as rasa:
            wait_until_answering(rasa, STOCK_READINESS_QUESTION)
            ready_seconds = time.monotonic() - started
            concurrent = measure_concurrent(rasa, tracker_db, STOCK_CONVERSATION, "bench-stock")
    return {"model": str(stock / "stock.tar.gz"), "trained_now": trained,
            "build_seconds": round(build_seconds, 1), "startup_seconds": round(ready_seconds, 1),
            "concurrent": concurrent}
