"""The patches are applied by one explicit call that checks the Rasa version first."""
from __future__ import annotations

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.tracker_store import SQLTrackerStore
from rasa.validator import Validator

from bot.rasa import patches
from bot.rasa.patches import rule_matching, speedups, validator


def test_another_rasa_version_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patches, "_applied", False)
    monkeypatch.setattr(patches, "_installed", lambda package: "3.7.0" if package == "rasa" else
                        patches.version(package))
    with pytest.raises(patches.PatchError, match=r"rasa 3\.7\.0 is installed; bot/rasa/patches supports rasa 3\.6\.21"):
        patches.apply()


@pytest.mark.parametrize("found, supported", [("3.6.21", True), ("3.6.2", False), ("3.6.210", False),
                                              ("21.12.2", False)])
def test_only_the_supported_release_passes(monkeypatch: pytest.MonkeyPatch, found: str, supported: bool) -> None:
    monkeypatch.setattr(patches, "_installed", lambda package: found if package == "rasa" else patches.version(package))
    assert (patches.version_problems() == []) is supported


def test_a_component_used_without_the_patches_says_how_to_start_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patches, "_applied", False)
    with pytest.raises(patches.PatchError, match=r"python -m bot\.rasa\.serve run"):
        patches.require_applied("The tracker store")


def test_the_installed_versions_are_supported_and_apply_installs_every_patch() -> None:
    assert patches.version_problems() == []
    patches.apply()
    assert patches.is_applied()
    assert RulePolicy._get_possible_keys is rule_matching.possible_keys
    assert RemoteAction._validate_action_result is speedups._validate_action_result
    assert SQLTrackerStore.SQLEvent.__table__.dialect_options["sqlite"]["autoincrement"] is True
    assert Validator.verify_utterances_in_stories is validator.verify_utterances_in_stories
