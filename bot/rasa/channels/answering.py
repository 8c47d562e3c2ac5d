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
# A turn past the reply time limit runs on this much longer (the learner has the apology by then),
# so that a slow action server's answer is still stored, and shown by the web chat's next poll.
LATE_TURN_SECONDS = 30.0
_late_turns: set[asyncio.Future[None]] = set()  # referenced until they end


async def answer(on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str,
                 sender_id: str, input_channel: str,
                 metadata: Optional[dict[str, Any]] = None,
                 timeout: float = REPLY_TIMEOUT_SECONDS,
                 late: float = LATE_TURN_SECONDS) -> list[dict[str, Any]]:
    """Hand one message to Rasa and collect the replies; apologise rather than stay silent.

    A turn that fails or runs out of time gets the apology after whatever replies it had sent; one
    that ran out of time goes on in the background for up to `late` seconds, so it is stored.

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

    turn = asyncio.ensure_future(handle())
    failed = True
    try:
        await asyncio.wait_for(asyncio.shield(turn), timeout=timeout)
        failed = False
    except asyncio.TimeoutError:
        logger.warning("Reply to %s took longer than %.0fs; apologising while the turn goes on.", sender_id, timeout)
        finish_late(turn, sender_id, late)
    except asyncio.CancelledError:
        turn.cancel()
        raise
    except Exception:  # noqa: BLE001 - the learner must get an answer whatever failed
        logger.exception("Handling a message from %s failed.", sender_id)
    replies = list(collector.messages)  # a late turn's replies are stored, not sent
    # A turn that failed after sending part of its replies was not stored either: say so after them.
    if (failed or not replies) and not await is_paused(sender_id):
        replies.append({"recipient_id": sender_id, "text": TROUBLE_REPLY})
    return replies


def finish_late(turn: asyncio.Future[None], sender_id: str, seconds: float = LATE_TURN_SECONDS) -> None:
    """Let a turn past its reply time limit run on for `seconds`, then cancel it."""
    _late_turns.add(turn)
    deadline = asyncio.get_running_loop().call_later(seconds, turn.cancel)

    def ended(done: asyncio.Future[None]) -> None:
        _late_turns.discard(done)
        deadline.cancel()
        if done.cancelled():
            logger.warning("A late turn of %s still had not ended after %.0f s more; given up.", sender_id, seconds)
        elif done.exception() is not None:
            logger.warning("A late turn of %s failed: %r", sender_id, done.exception())
        else:
            logger.info("A late turn of %s ended and was stored.", sender_id)

    turn.add_done_callback(ended)
