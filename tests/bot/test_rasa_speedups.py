"""The cached action-response validator accepts and rejects exactly what Rasa's own does."""
from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.rasa_speedups import _validate_action_result

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "level", "value": "mid", "timestamp": None}],
     "responses": [{"text": "hi", "buttons": [{"title": "Pay", "payload": "/ask_salary"}]}]},
]
INVALID: list[dict[str, Any]] = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [], "responses": "nope"},
]


@pytest.mark.parametrize("result", VALID)
def test_valid_action_replies_pass_as_with_plain_jsonschema(result: dict[str, Any]) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert _validate_action_result(RemoteAction("action_x", None), result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_action_replies_fail_as_with_plain_jsonschema(result: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        _validate_action_result(RemoteAction("action_x", None), result)


def test_the_speedup_is_installed_on_rasas_remote_action() -> None:
    assert RemoteAction._validate_action_result is _validate_action_result


def test_event_classes_resolve_exactly_as_rasa_resolves_them() -> None:
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    from bot.rasa_speedups import _ORIGINAL_RESOLVE, _resolve_by_type

    for name, cls in (("user", UserUttered), ("slot", SlotSet), ("action", ActionExecuted)):
        assert _resolve_by_type(name) is cls is _ORIGINAL_RESOLVE(name)
    assert _resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        _resolve_by_type("no_such_event")
    assert _resolve_by_type("no_such_event", SlotSet) is SlotSet
