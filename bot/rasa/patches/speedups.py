"""Behaviour-preserving speed-ups for Rasa 3.6 internals, installed by `bot.rasa.patches.apply()`.

Measured with cProfile on a 10-turn conversation (see docs/performance.md):
- Rasa checks every action-server reply with `jsonschema.validate`, which re-validates the
  large, constant response schema against the meta-schema on every call: about 40 ms of CPU
  per custom action. Here the validator is built once; what is accepted or rejected, and the
  error text, stay exactly as before.
- Loading a tracker turns each stored event's type name into its class by walking every
  subclass of `Event` recursively, per event. Here the name → class table is built once (and
  rebuilt on a miss, so late-registered event classes are still found).
- Every call to the action server opened a new HTTP client session and TCP connection (about
  7% of the server's CPU under load). Here each endpoint keeps one session per event loop,
  with keep-alive connections that the client drops well before the action server (Sanic,
  5 s) would, so a reused connection is never one the server is closing.
"""
from __future__ import annotations

import asyncio
from functools import lru_cache
from types import TracebackType
from typing import Any, Optional

import aiohttp
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

_ORIGINAL_RESOLVE = Event.resolve_by_type
_ORIGINAL_SESSION = EndpointConfig.session
CLIENT_KEEPALIVE_SECONDS = 2.0
_EVENT_CLASSES: dict[str, type[Event]] = {}


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Same contract as RemoteAction._validate_action_result, with a cached validator."""
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error


def _resolve_by_type(type_name: str, default: Any = None) -> Any:
    """Same contract as Event.resolve_by_type (first subclass with that name wins), cached."""
    found = _EVENT_CLASSES.get(type_name)
    if found is None:
        _EVENT_CLASSES.clear()
        for cls in all_subclasses(Event):
            _EVENT_CLASSES.setdefault(cls.type_name, cls)
        found = _EVENT_CLASSES.get(type_name)
    return found if found is not None else _ORIGINAL_RESOLVE(type_name, default)


class _KeptOpen:
    """`async with` hands out a shared client session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                        trace: Optional[TracebackType]) -> None:
        return None


def _shared_session(self: EndpointConfig) -> Any:
    """Same headers, auth and timeout as EndpointConfig.session, one session per event loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _ORIGINAL_SESSION(self)
    kept = self.__dict__.get("_shared_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
            if self.basic_auth else None
        session = aiohttp.ClientSession(
            headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=CLIENT_KEEPALIVE_SECONDS))
        kept = self.__dict__["_shared_session"] = (loop, session)
    return _KeptOpen(kept[1])


def install() -> None:
    """Install the speed-ups into Rasa's classes (idempotent)."""
    EndpointConfig.session = _shared_session  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign,assignment]
