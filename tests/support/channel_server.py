"""Rasa's own Sanic app serving given channels on a free port, with a stand-in agent, for channel tests."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rasa.core.lock_store import InMemoryLockStore
from rasa.core.run import configure_app
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from sanic import Sanic

from harness.processes import free_ports


class FakeProcessor:
    """Stands in for Rasa's MessageProcessor: stores each message and answers with a fixed reply."""

    def __init__(self, tracker_store: Any, reply_delay: float = 0.0) -> None:
        self.tracker_store = tracker_store
        self.reply_delay = reply_delay
        self.handled: list[str] = []

    async def fetch_tracker_with_initial_session(self, sender_id: str, output_channel: Any = None,
                                                 metadata: Any = None) -> Any:
        """A new conversation starts with a session, as Rasa's does."""
        tracker = await self.tracker_store.get_or_create_tracker(sender_id, append_action_listen=False)
        if not tracker.events:
            for event in (ActionExecuted("action_session_start"), SessionStarted(),
                          ActionExecuted("action_listen")):
                tracker.update(event)
        return tracker

    async def handle_message(self, message: Any) -> None:
        """Store the user message and one bot reply (with a button); send the reply on."""
        self.handled.append(message.text)
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "ask", "confidence": 1.0},
                                   input_channel=message.input_channel,
                                   message_id=message.message_id, metadata=message.metadata))
        reply = {"text": f"You asked: {message.text}", "buttons": [{"title": "More", "payload": "/more"}]}
        tracker.update(BotUttered(reply["text"], {"buttons": reply["buttons"]}))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_response(message.sender_id, reply)


class FakeAgent:
    """What the web chat channel uses of Rasa's Agent: domain, tracker and lock stores, processor."""

    def __init__(self, reply_delay: float = 0.0) -> None:
        self.domain = Domain.from_dict({"intents": ["greet", "ask_salary", "more"], "entities": ["level"],
                                        "responses": {"utter_greet": [{
            "text": "Hello from the test domain.",
            "buttons": [{"title": "Pay", "payload": "/ask_salary"}]}]}})
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.lock_store = InMemoryLockStore()
        self.processor = FakeProcessor(self.tracker_store, reply_delay)

    def is_ready(self) -> bool:
        """Always ready."""
        return True

    async def handle_message(self, message: Any) -> None:
        """As Rasa's Agent: the processor handles the message under the conversation's lock."""
        async with self.lock_store.lock(message.sender_id):
            await self.processor.handle_message(message)


@contextmanager
def serving_channels(channels: list[Any], agent: Any, cors: str = "") -> Iterator[str]:
    """Rasa's own Sanic app (CORS as `rasa run --cors`, default none) with `channels`, on a free port; its URL."""
    Sanic.test_mode = True  # a fresh app per test in one process
    app = configure_app(input_channels=channels, cors=cors, enable_api=False)
    app.ctx.agent = agent
    port = free_ports(1)[0]
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.before_start()
        await server.after_start()
        holder["server"] = server
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30), "the Sanic test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        async def shutdown() -> None:
            server = holder["server"]
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
