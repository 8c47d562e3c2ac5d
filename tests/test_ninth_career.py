"""A ninth career is data only: checked, in the NLU assets and answered, with no code change."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.base import use_session_factory
from actions.careers import ActionCompareCareers, ActionListCareers
from actions.entry import ActionTellApprenticeships
from actions.progression import ActionTellNextStep, ActionTellProgression
from actions.role import ActionTellConditions, ActionTellRole
from actions.salary import ActionTellSalary
from knowledge.db import make_session_factory
from knowledge.service import load_and_build
from tests.support.action_runs import ActionResult, make_tracker, run_action
from tests.support.databases import sqlite_url

REPO_ROOT = Path(__file__).resolve().parents[1]
SLUG = "beekeeping"
# A made-up career and source: nothing here exists in the real content.
FILES = {
    "career.yml": """
        source: apiary-guide
        career:
          slug: beekeeping
          name: Beekeeping
          main_role: apiarist
          summary: Beekeepers look after colonies of honey bees and sell what the hives produce.
          synonyms: [beekeeping, apiculture, bee keeping]
        responsibilities:
          - text: Inspect each hive every week in the summer.
          - text: Harvest and jar the honey.
        working_conditions:
          - text: Mostly outdoors, with early starts in the summer.
        related_careers:
          - career: retail-management
            name: Farm shop manager
            text: Some beekeepers go on to run the shop that sells their honey.
        gaps:
          - topic: apprenticeships
            text: The guide gives no length for the apiary apprenticeship.
        """,
    "roles.yml": """
        source: apiary-guide
        roles:
          - slug: trainee-beekeeper
            title: Trainee beekeeper
            track: ladder
            rank: 1
            pay_level: entry
            summary: Learns hive care alongside an experienced beekeeper.
            synonyms: [trainee beekeeper, apprentice beekeeper]
          - slug: apiarist
            title: Apiarist
            track: ladder
            rank: 2
            pay_level: senior
            summary: Runs the apiary and its hives.
            synonyms: [apiarist, beekeeper, bee keeper]
        """,
    "salaries.yml": """
        source: apiary-guide
        salary_bands:
          - level: entry
            label: Starting out
            min: 17345
            max: 18765
          - level: senior
            label: Running an apiary
            min: 26543
            max: 31234
        """,
    "qualifications.yml": """
        source: apiary-guide
        entry_requirements:
          - text: No formal qualification is required.
        qualifications:
          - slug: apiary-apprenticeship
            name: Apiary technician apprenticeship
            kind: apprenticeship
            level: 3
            standard: ST9999
            synonyms: [apiary apprenticeship]
        """,
    "skills.yml": """
        source: apiary-guide
        skills:
          - slug: hive-inspection
            name: Hive inspection
            kind: technical
            why: Finds disease early.
            synonyms: [hive inspection, inspecting hives]
          - slug: patience
            name: Patience
            kind: soft
            why: Bees do not hurry.
        """,
    "routes.yml": """
        source: apiary-guide
        entry_routes:
          - slug: beekeeping-club
            name: Join a beekeeping club
            kind: experience
            description: Local clubs let beginners help with real hives.
            for_stages: [school, retail]
        progression_routes:
          - slug: trainee-to-apiarist
            name: Trainee to apiarist
            kind: vertical
            from: trainee-beekeeper
            to: apiarist
            description: Trainees take on their own hives.
        """,
}
SOURCE = """
  - slug: apiary-guide
    title: "A made-up apiary careers guide (test only)"
    short_title: "Apiary guide"
    document: tests/test_ninth_career.py
    publisher: "Nobody"
    year: 2025
"""


@pytest.fixture(scope="module")
def ninth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the content with the ninth career added, loaded, with its NLU assets built."""
    root = tmp_path_factory.mktemp("ninth")
    content = root / "content"
    import shutil

    from knowledge.content import CONTENT_DIR

    shutil.copytree(CONTENT_DIR, content)
    folder = content / "careers" / SLUG
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    sources = content / "sources.yml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("sources:\n", "sources:" + SOURCE, 1),
                       encoding="utf-8")
    factory = make_session_factory(sqlite_url(root / "knowledge.db"))
    synonyms, patterns = root / "synonyms.yml", root / "patterns.yml"
    load_and_build(factory, root / "ruler", synonyms, patterns, content)
    use_session_factory(factory)
    yield {"content": content, "factory": factory, "ruler": root / "ruler", "synonyms": synonyms}
    use_session_factory(None)
    factory.kw["bind"].dispose()


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


def _say(domain: dict[str, Any], action: type, text: str, intent: str, entities: Any = None,
         **slots: Any) -> ActionResult:
    return run_action(action(), make_tracker(text, intent, entities, slots=slots), domain)


def test_the_knowledge_check_accepts_the_ninth_career(ninth: dict[str, Any]) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli.main", "knowledge", "check",
                             "--content", str(ninth["content"])], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Content OK" in result.stdout


def test_the_generated_nlu_assets_know_the_ninth_career(ninth: dict[str, Any]) -> None:
    import spacy

    nlp = spacy.load(ninth["ruler"])
    found = {(e.label_, e.ent_id_) for e in nlp("how much does an apiarist earn in apiculture").ents}
    assert ("role", "apiarist") in found and ("career", SLUG) in found
    assert "apiculture" in ninth["synonyms"].read_text(encoding="utf-8")


def test_the_actions_answer_for_the_ninth_career(ninth: dict[str, Any], domain: dict[str, Any]) -> None:
    pay = _say(domain, ActionTellSalary, "what does an apiarist earn", "ask_salary", {"role": "apiarist"})
    assert "£26,543 to £31,234 a year" in pay.text and pay.text.endswith("Source: Apiary guide")
    assert pay.slots.get("career") == SLUG

    role = _say(domain, ActionTellRole, "tell me about beekeeping", "ask_role", {"career": SLUG})
    assert "Beekeepers look after colonies" in role.text and "Harvest and jar the honey." in role.text

    ladder = _say(domain, ActionTellProgression, "ladder", "ask_progression", career=SLUG)
    assert "Trainee beekeeper → Apiarist" in ladder.text

    step = _say(domain, ActionTellNextStep, "next?", "ask_next_step", {"role": "trainee-beekeeper"})
    assert "the next step up is apiarist (pay: £26,543 to £31,234 a year, Apiary guide)" in step.text
    assert "Farm shop manager" in step.text

    hours = _say(domain, ActionTellConditions, "hours?", "ask_conditions", career=SLUG)
    assert "Mostly outdoors" in hours.text

    apprenticeships = _say(domain, ActionTellApprenticeships, "apprenticeships?", "ask_apprenticeships",
                           career=SLUG)
    assert "Apiary technician apprenticeship (Level 3, standard ST9999)" in apprenticeships.text
    assert "no length for the apiary apprenticeship" in apprenticeships.text


def test_the_ninth_career_is_offered_and_compared(ninth: dict[str, Any], domain: dict[str, Any]) -> None:
    listed = _say(domain, ActionListCareers, "which careers", "ask_careers")
    assert len(listed.buttons) == 9 and "Beekeeping" in listed.titles
    asked = _say(domain, ActionTellSalary, "how much is the pay?", "ask_salary")
    assert asked.text.startswith("Which career do you mean?") and len(asked.buttons) == 9
    assert '/ask_salary{"career":"beekeeping"}' in [b["payload"] for b in asked.buttons]
    compared = _say(domain, ActionCompareCareers, "beekeeping or retail management?", "ask_compare")
    assert compared.text.startswith("Beekeeping or retail management, side by side:")
    assert "£17,345 to £31,234 a year" in compared.text
