"""The cached action-response validator accepts and rejects exactly what Rasa's own does."""
from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.rasa.patches.speedups import _validate_action_result

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

    from bot.rasa.patches.speedups import _ORIGINAL_RESOLVE, _resolve_by_type

    for name, cls in (("user", UserUttered), ("slot", SlotSet), ("action", ActionExecuted)):
        assert _resolve_by_type(name) is cls is _ORIGINAL_RESOLVE(name)
    assert _resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        _resolve_by_type("no_such_event")
    assert _resolve_by_type("no_such_event", SlotSet) is SlotSet


def test_calls_to_an_endpoint_reuse_one_connection_and_keep_its_headers() -> None:
    """Five action-server calls travel over one kept-alive connection, with the same headers."""
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    peers: list[tuple[str, int]] = []
    tokens: list[str] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        tokens.append(request.headers.get("X-Token", ""))
        return web.json_response({"echo": (await request.json())["n"]})

    async def main() -> list[Any]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Token": "t"})
        try:
            return [await endpoint.request(json={"n": n}) for n in range(5)]
        finally:
            await endpoint.__dict__["_shared_session"][1].close()
            await runner.cleanup()

    replies = asyncio.run(main())
    assert [r["echo"] for r in replies] == [0, 1, 2, 3, 4]
    assert tokens == ["t"] * 5
    assert len(set(peers)) == 1
