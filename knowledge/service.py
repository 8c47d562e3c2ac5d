"""Operator-level knowledge tasks: load content and regenerate the NLU assets that depend on it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import sessionmaker

from knowledge.content import CONTENT_DIR, Vocabulary, read_content
from knowledge.loader import LoadReport, bump_version, load_content
from knowledge.nlu_assets import (
    build_spacy_pipeline,
    entity_names_from,
    patterns_yaml,
    synonyms_yaml,
    write_if_changed,
)
from knowledge.passages import index_passages


@dataclass
class NluAssetsReport:
    """Whether the spaCy pipeline, the synonyms file and the patterns file were rewritten."""

    pipeline_dir: Path
    pipeline_rebuilt: bool
    synonyms_file: Path
    synonyms_rewritten: bool
    phrase_count: int
    patterns_file: Path
    patterns_rewritten: bool

    def summary(self) -> str:
        """Describe the outcome in two lines."""
        def state(changed: bool) -> str:
            return "regenerated" if changed else "unchanged"
        return (f"spaCy entity ruler ({self.phrase_count} phrases): {state(self.pipeline_rebuilt)}"
                f" at {self.pipeline_dir}\n"
                f"Entity synonyms and other-career pattern: "
                f"{state(self.synonyms_rewritten or self.patterns_rewritten)} at {self.synonyms_file}"
                f" and {self.patterns_file.name}")


def build_nlu_assets(factory: sessionmaker, pipeline_dir: Path, synonyms_file: Path,
                     patterns_file: Path, vocabulary: Vocabulary) -> NluAssetsReport:
    """Regenerate the entity-ruler pipeline, entity synonyms and patterns from the knowledge."""
    with factory() as session:
        phrases = entity_names_from(session, vocabulary)
    rebuilt = build_spacy_pipeline(phrases, pipeline_dir)
    rewritten = write_if_changed(synonyms_file, synonyms_yaml(phrases))
    patterns_rewritten = write_if_changed(patterns_file, patterns_yaml(vocabulary))
    return NluAssetsReport(pipeline_dir, rebuilt, synonyms_file, rewritten,
                           sum(len(t) for t in phrases.values()), patterns_file, patterns_rewritten)


def load_and_build(factory: sessionmaker, pipeline_dir: Path, synonyms_file: Path, patterns_file: Path,
                   content_root: Path = CONTENT_DIR) -> tuple[LoadReport, NluAssetsReport]:
    """Load the content (read and validated once), then bring the NLU assets in line with it."""
    content, vocabulary = read_content(content_root)
    with factory() as session, session.begin():
        report = load_content(session, content)
        report.passages, report.embedded = index_passages(session, _encode)
        if report.embedded and not report.changed:
            bump_version(session)
    return report, build_nlu_assets(factory, pipeline_dir, synonyms_file, patterns_file, vocabulary)


def _encode(texts: list[str]) -> Any:
    """MiniLM embeddings (imported here: loading the encoder takes a second or two)."""
    from knowledge.embedding import default_encoder

    return default_encoder().encode(texts)
