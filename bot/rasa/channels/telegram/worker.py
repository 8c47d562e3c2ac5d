"""Handling stored Telegram updates: claim, keep the lease, handle, mark done, go on with the chat; and sweep.

Every update the webhook stored is handled by whichever server claims it (inbox.py): the server
that received it, at once; the server that finished the chat's previous update; or, when a server
died or stopped, any server's sweeper, a few seconds later. The database calls run in threads.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Optional, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.rasa.channels.telegram.handler import TelegramHandler
from bot.rasa.channels.telegram.inbox import Claimed, Inbox

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0
SWEEP_BATCH = 20  # updates recovered per sweep, at most
MAX_IN_FLIGHT = 50  # a server this busy leaves recovery to the others
PRUNE_EVERY_SECONDS = 60.0
FINISH_RETRY_DELAYS = (0.5, 1.0, 2.0)  # a lost "done" means the update is handled again

Parse = Callable[[dict[str, Any]], Optional[Update]]
Ready = Callable[[], bool]
T = TypeVar("T")


class UpdateWorker:
    """Runs the stored updates of one Rasa server; every task it starts is tracked until it ends."""

    def __init__(self, inbox: Inbox, parse: Parse, sweep_seconds: float = SWEEP_SECONDS) -> None:
        """Claim through `inbox`; turn stored payloads into updates with `parse`."""
        self.inbox = inbox
        self._parse = parse
        self._sweep_seconds = sweep_seconds
        self._tasks: set[asyncio.Task[None]] = set()  # strong references until each task is done
        self._sweeper: Optional[asyncio.Task[None]] = None
        self._pruned_at = 0.0
        self._sweep_failing = False

    async def _db(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(call, *args)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def start(self, handler: TelegramHandler, update_id: int) -> None:
        """Handle a just-stored update in the background (if its chat is busy, whoever finishes it goes on)."""
        self._spawn(self._claim_and_run(handler, update_id))

    async def _claim_and_run(self, handler: TelegramHandler, update_id: int) -> None:
        try:
            claimed = await self._db(self.inbox.claim, update_id)
        except SQLAlchemyError as exc:
            logger.warning("Could not claim Telegram update %s (%s); the sweeper will.", update_id, exc)
            return
        if claimed is not None:
            await self._run_chat(handler, claimed)

    async def _run_chat(self, handler: TelegramHandler, claimed: Optional[Claimed]) -> None:
        """Handle the claimed update, then the chat's next ones as long as they can be claimed."""
        while claimed is not None:
            if not await self._handle(handler, claimed):
                return
            chat_id = claimed.chat_id
            try:
                claimed = await self._db(self.inbox.claim_next, chat_id)
            except SQLAlchemyError as exc:
                logger.warning("Could not claim the next Telegram update of chat %s (%s); the sweeper will.",
                               chat_id, exc)
                return

    async def _handle(self, handler: TelegramHandler, claimed: Claimed) -> bool:
        """Handle one claimed update and mark it done; False if it could not be marked done."""
        async with self._leased(claimed.update_id):
            update = self._parse(claimed.payload)
            if update is None:
                logger.error("Stored Telegram update %s could not be read; it is dropped.", claimed.update_id)
            else:
                await handler.handle(update)  # never raises
        delays = list(FINISH_RETRY_DELAYS)
        while True:
            try:
                await self._db(self.inbox.finish, claimed.update_id)
                return True
            except SQLAlchemyError as exc:
                if not delays:
                    logger.error("Could not mark Telegram update %s done (%s): another server will handle it "
                                 "again once its lease lapses.", claimed.update_id, exc)
                    return False
                await asyncio.sleep(delays.pop(0))

    @contextlib.asynccontextmanager
    async def _leased(self, update_id: int) -> AsyncIterator[None]:
        """Renew the claim every third of the lease while the block runs."""
        async def renew() -> None:
            while True:
                await asyncio.sleep(self.inbox.lease_seconds / 3)
                try:
                    if not await self._db(self.inbox.renew, update_id):
                        logger.warning("Lost the claim on Telegram update %s (its lease lapsed); another "
                                       "server may handle it too.", update_id)
                        return
                except SQLAlchemyError as exc:
                    logger.warning("Could not renew the claim on Telegram update %s (%s).", update_id, exc)

        renewer = asyncio.get_running_loop().create_task(renew())
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    # -- recovery -------------------------------------------------------------------------------
    async def sweep(self, handler: TelegramHandler) -> int:
        """One pass: prune old rows when due, claim abandoned updates and handle them; how many were claimed."""
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            pruned = await self._db(self.inbox.prune)
            self._pruned_at = time.monotonic()
            if pruned:
                logger.info("Pruned %d handled Telegram updates past their retention.", pruned)
        if len(self._tasks) >= MAX_IN_FLIGHT:
            return 0
        claimed, given_up = await self._db(self.inbox.recover, SWEEP_BATCH)
        for update_id in given_up:
            logger.error("Gave up on Telegram update %s: claimed %d times, its server never finished it.",
                         update_id, self.inbox.max_attempts)
        for update in claimed:
            logger.warning("Recovering Telegram update %s of chat %s, received %.0f s ago (attempt %d).",
                           update.update_id, update.chat_id, self.inbox.now() - update.received_at,
                           update.attempts)
            self._spawn(self._run_chat(handler, update))
        return len(claimed)

    async def _sweep_forever(self, handler: TelegramHandler, ready: Ready) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            if not ready():
                continue
            try:
                await self.sweep(handler)
            except SQLAlchemyError as exc:
                if not self._sweep_failing:  # once per outage, not every few seconds
                    logger.warning("The Telegram update sweeper cannot reach the database (%s); retrying.", exc)
                self._sweep_failing = True
                continue
            except Exception:  # noqa: BLE001 - the sweeper must outlive any one bad pass
                logger.exception("A Telegram update sweep failed.")
                continue
            if self._sweep_failing:
                logger.info("The Telegram update sweeper reaches the database again.")
            self._sweep_failing = False

    def start_sweeping(self, handler: TelegramHandler, ready: Ready) -> None:
        """Sweep every few seconds while `ready()` (the Rasa agent is loaded) until `stop_sweeping`."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever(handler, ready))

    async def stop_sweeping(self) -> None:
        """Stop the sweeper (no new work is claimed)."""
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    async def drain(self, timeout: Optional[float] = None) -> None:
        """Wait until the updates in progress are handled (at most `timeout` seconds)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            await asyncio.wait(set(self._tasks), timeout=left)

    async def close(self, timeout: float) -> None:
        """Stop sweeping, let work in progress finish for `timeout` s, hand back what is left, close."""
        await self.stop_sweeping()
        await self.drain(timeout)
        unfinished = set(self._tasks)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished, timeout=1)
        try:
            released = await self._db(self.inbox.release_mine)
            if released:
                logger.warning("Stopping with %d Telegram updates unfinished: handed back for another server.",
                               released)
        except SQLAlchemyError as exc:
            logger.warning("Could not hand back unfinished Telegram updates (%s); their leases will lapse.", exc)
        await self._db(self.inbox.close)
