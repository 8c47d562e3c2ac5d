"""Shared fixtures: a copy of the content folder, empty and loaded knowledge databases."""
from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # so `from tests.support... import ...` works however pytest starts
    sys.path.insert(0, str(REPO_ROOT))

from knowledge.content import CONTENT_DIR  # noqa: E402
from knowledge.db import make_session_factory  # noqa: E402
from knowledge.loader import load_knowledge  # noqa: E402
from tests.support.databases import sqlite_url  # noqa: E402


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of knowledge/content that a test may edit freely."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.fixture
def session_factory(tmp_path: Path) -> Iterator[sessionmaker]:
    """A session factory on a fresh, empty SQLite file (tables created)."""
    factory = make_session_factory(sqlite_url(tmp_path / "knowledge.db"))
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the real content and its retrievable passages, loaded once per test run."""
    from knowledge.embedding import default_encoder
    from knowledge.passages import index_passages

    path = tmp_path_factory.mktemp("loaded") / "knowledge.db"
    factory = make_session_factory(sqlite_url(path))
    load_knowledge(factory)
    with factory() as session, session.begin():
        index_passages(session, default_encoder().encode)
    factory.kw["bind"].dispose()
    return path


@pytest.fixture
def loaded_factory(tmp_path: Path, loaded_template: Path) -> Iterator[sessionmaker]:
    """A session factory on a private copy of a database with the real content loaded."""
    path = tmp_path / "loaded.db"
    shutil.copyfile(loaded_template, path)
    factory = make_session_factory(sqlite_url(path), create=False)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def shared_loaded_factory(tmp_path_factory: pytest.TempPathFactory,
                          loaded_template: Path) -> Iterator[sessionmaker]:
    """One copy of the loaded database for tests that only read it (the actions' tests).

    The knowledge base's query cache is keyed by database, so it is built once for them all.
    """
    path = tmp_path_factory.mktemp("shared") / "loaded.db"
    shutil.copyfile(loaded_template, path)
    factory = make_session_factory(sqlite_url(path), create=False)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The trained model (`make test` trains it first; trained here when pytest runs alone)."""
    import subprocess

    from harness.env import subprocess_env
    from harness.paths import MODEL_PATH
    from harness.rasa import rasa_command

    if not MODEL_PATH.exists():
        subprocess.run([*rasa_command(), "train", "--fixed-model-name", "careers", "--out", "models", "--quiet"],
                       cwd=REPO_ROOT, env=subprocess_env(), check=True)
    return MODEL_PATH
