"""One learner turn through Rasa, for every learner channel: prefetch, time limit, never silence."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa.channels.adviser import is_paused
from bot.rasa.channels.guard import TROUBLE_REPLY
from bot.rasa.nlu.prefetch import PREFETCHER, worth_prefetching

logger = logging.getLogger(__name__)
REPLY_TIMEOUT_SECONDS = 8.0


async def answer(on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str,
                 sender_id: str, input_channel: str,
                 metadata: Optional[dict[str, Any]] = None,
                 timeout: float = REPLY_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
    """Hand one message to Rasa and collect the replies; apologise rather than stay silent.

    A turn that fails or runs out of time gets the apology after whatever replies it had sent.

    While an adviser holds the conversation Rasa predicts nothing, so no reply is expected then:
    the list is empty and the adviser answers (learners are told so when they ask for one).
    """
    collector = CollectingOutputChannel()
    message = UserMessage(text, collector, sender_id, input_channel=input_channel,
                          metadata=metadata)

    async def handle() -> None:
        if worth_prefetching(text):
            await PREFETCHER.prefetch(text)
        await on_new_message(message)

    failed = True
    try:
        await asyncio.wait_for(handle(), timeout=timeout)
        failed = False
    except asyncio.TimeoutError:
        logger.warning("Reply to %s took longer than %.0fs; apologising.", sender_id, timeout)
    except Exception:  # noqa: BLE001 - the learner must get an answer whatever failed
        logger.exception("Handling a message from %s failed.", sender_id)
    # A turn that failed after sending part of its replies was not stored either: say so after them.
    if (failed or not collector.messages) and not await is_paused(sender_id):
        collector.messages.append({"recipient_id": sender_id, "text": TROUBLE_REPLY})
    return collector.messages
