"""What every console view needs: settings, the database engine and the signed-in adviser."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from bot.shared.settings import PROJECT_ROOT, Settings
from bot.web.console.db import get_engine
from bot.web.knowledge import career_names

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


@dataclass
class Console:
    """Per-application console state (one per Flask app)."""

    settings: Settings
    domain_file: Path = DOMAIN_FILE

    @property
    def engine(self) -> Engine:
        """The shared engine for DATABASE_URL."""
        return get_engine(self.settings.database_url)

    @cached_property
    def intents(self) -> list[str]:
        """Intent names from domain.yml, for labelling misunderstood messages."""
        try:
            domain = yaml.safe_load(self.domain_file.read_text(encoding="utf-8")) or {}
        except OSError:
            return []
        names = [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []]
        return sorted(names)

    def career_names(self) -> dict[str, str]:
        """Career names from the knowledge base by slug (and main role slug); {} when it cannot be read."""
        return career_names(self.settings.knowledge_database_url)
