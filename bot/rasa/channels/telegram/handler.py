"""What the assistant does with one Telegram update: commands, text, button presses, the rest."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Optional

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered
from telegram import CallbackQuery, Chat, Message, MessageEntity, Update
from telegram.error import TelegramError

from bot.rasa.channels.answering import answer
from bot.rasa.channels.guard import prepare_text
from bot.rasa.channels.telegram.callbacks import CallbackPayloads
from bot.rasa.channels.telegram.delivery import Sender
from bot.rasa.channels.telegram.render import OutgoingMessage, escape, keyboard, render_reply, with_choice
from bot.rasa.channels.telegram.updates import ChatTurns
from bot.rasa.stores.tracker_store import delete_conversation
from bot.shared.conversation_ids import telegram_conversation

logger = logging.getLogger(__name__)

CHANNEL_NAME = "telegram"
GREETING_PAYLOAD = "/greet"
RESTART_PAYLOAD = "/restart"
CAREERS_PAYLOAD = "/ask_careers"  # answered with one button per career in the knowledge base
NON_TEXT_REPLY = ("Sorry, I can only read text messages. Type your question, for example "
                  "\"what does the job pay?\" or \"how do I get in?\"")
HELP_TEXT = ("I'm Career Coach, an automated careers assistant. "
             "Ask in your own words — what the job involves, how to get in, the skills you need, "
             "what it pays, how to progress — or ask for a personal route plan.\n\n"
             "Commands:\n/start — the main topics\n/careers — the careers I know\n/help — this message\n"
             "/reset — start our conversation over\n/forget — delete our stored conversation\n\n"
             "In a group, mention me or reply to one of my messages.")
HELP_BUTTONS = [{"title": "What can you do?", "payload": "/ask_capabilities"},
                {"title": "Plan my route", "payload": "/request_plan"}]
FORGOTTEN_REPLY = ("Done: I've deleted our conversation. Nothing you told me is stored any more. "
                   "Say hello whenever you want to start again.")
FORGET_FAILED_REPLY = "Sorry, I couldn't delete our conversation just now. Please try /forget again later."
EXPIRED_BUTTON = "That button has expired. Please type your question or use /start."
_GROUPS = {Chat.GROUP, Chat.SUPERGROUP}
# Rasa works on the same event loop as the webhook: a burst of updates handled all at once would
# delay the webhook's own 200s by seconds. A few at a time keeps the CPU busy and Telegram answered.
MAX_CONCURRENT_TURNS = 3

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
AgentGetter = Callable[[], Any]


def update_message_id(update_id: int) -> str:
    """The Rasa `message_id` under which an update's message is stored (a recovered update finds it)."""
    return f"telegram:{update_id}"


def stored_replies(events: Iterable[Event], message_id: str) -> Optional[list[dict[str, Any]]]:
    """The bot replies stored after the learner message `message_id`; None if it is not stored."""
    replies: Optional[list[dict[str, Any]]] = None
    for event in events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if event.message_id == message_id:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            replies.append({"text": event.text, **{k: v for k, v in (event.data or {}).items() if v}})
    return replies


class TelegramHandler:
    """Handles updates for one bot; the same code serves the webhook and long polling."""

    def __init__(self, sender: Sender, callbacks: CallbackPayloads, on_new_message: OnNewMessage,
                 agent: AgentGetter, max_message_chars: int) -> None:
        """Reply through `sender`; hand messages to Rasa via `on_new_message`; agent for storage."""
        self.sender = sender
        self.bot = sender.bot
        self.callbacks = callbacks
        self._on_new_message = on_new_message
        self._agent = agent
        self._max_chars = max_message_chars
        self.turns = ChatTurns()
        self._working = asyncio.Semaphore(MAX_CONCURRENT_TURNS)
        self._ready = asyncio.Lock()
        self._commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "start": self._start, "careers": self._careers, "help": self._help, "reset": self._reset,
            "forget": self._forget}

    async def _ensure_ready(self) -> None:
        """Learn the bot's own id and username (getMe) once; retried on the next update if it fails."""
        async with self._ready:
            await self.bot.initialize()  # does nothing once it has succeeded

    async def handle(self, update: Update) -> None:
        """Handle one update completely; never raises (errors are logged)."""
        chat = update.effective_chat
        if chat is None or chat.type == Chat.CHANNEL:
            return
        try:
            await self._ensure_ready()
        except TelegramError as exc:
            logger.error("Telegram getMe failed (%s); update %s not handled.", self.sender.describe(exc),
                         update.update_id)
            return
        try:
            async with self.turns.turn(str(chat.id)):
                if update.callback_query is not None:
                    await self._on_button(update.callback_query, update.update_id)
                elif update.message is not None:
                    await self._on_message(update.message, update.update_id, edited=False)
                elif update.edited_message is not None:
                    await self._on_message(update.edited_message, update.update_id, edited=True)
        except Exception:  # noqa: BLE001 - one bad update must not stop the channel
            logger.exception("Handling Telegram update %s failed.", update.update_id)

    # -- messages ---------------------------------------------------------------------------------
    async def _on_message(self, message: Message, update_id: int, edited: bool) -> None:
        chat_id = str(message.chat.id)
        in_group = message.chat.type in _GROUPS
        if message.text is None:
            # Service messages (members joining, pins, …) have no attachment and get no answer.
            if message.effective_attachment is not None and (not in_group or self._replies_to_bot(message)):
                await self.sender.send(chat_id, OutgoingMessage(escape(NON_TEXT_REPLY)), message.message_id)
            return
        command, for_us = self._command(message)
        if in_group and not (for_us or self._mentions_bot(message) or self._replies_to_bot(message)):
            return
        if command in self._commands and for_us:
            if not edited:  # re-running /forget or /reset because of an edit would surprise
                await self._commands[command](chat_id)
            return
        text = self._without_mention(message.text)
        # An edit is answered as a new question, quoted, so the learner sees which one is answered.
        reply_to = message.message_id if edited or in_group else None
        await self.converse(chat_id, text, reply_to, {"update_id": update_id, "edited": edited,
                                                      "chat_type": message.chat.type})

    def _command(self, message: Message) -> tuple[Optional[str], bool]:
        """(command, addressed to this bot) for a message starting with /command[@bot]."""
        for entity, text in message.parse_entities([MessageEntity.BOT_COMMAND]).items():
            if entity.offset != 0:
                continue
            name, _, target = text[1:].partition("@")
            for_us = not target or target.lower() == (self.bot.username or "").lower()
            return name.lower(), for_us
        return None, False

    def _mentions_bot(self, message: Message) -> bool:
        username = f"@{self.bot.username}".lower()
        for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
            if text.lower() == username or (entity.user is not None and entity.user.id == self.bot.id):
                return True
        return False

    def _replies_to_bot(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == self.bot.id)

    def _without_mention(self, text: str) -> str:
        """The text without "@ourbot", which means nothing to the assistant."""
        username = f"@{self.bot.username}"
        start = text.lower().find(username.lower())
        return (text[:start] + text[start + len(username):]).strip() if start >= 0 else text

    async def converse(self, chat_id: str, text: str, reply_to: Optional[int],
                       metadata: Optional[dict[str, Any]] = None) -> None:
        """Guard the text, hand it to Rasa while "typing…" shows, and send the replies."""
        prepared = prepare_text(text, self._max_chars, domain=getattr(self._agent(), "domain", None))
        await self.sender.send_all(chat_id, [OutgoingMessage(escape(notice)) for notice in prepared.notices],
                                   reply_to)
        if prepared.text is None:
            return
        update_id = (metadata or {}).get("update_id")
        on_new_message = self._on_new_message if update_id is None else self._once(update_id)
        async with self.sender.typing(chat_id), self._working:
            replies = await answer(on_new_message, prepared.text, telegram_conversation(chat_id),
                                   CHANNEL_NAME, {CHANNEL_NAME: metadata or {}})
        # An empty list means an adviser holds the conversation: they will answer here.
        await self.deliver(chat_id, replies, None if prepared.notices else reply_to)

    def _once(self, update_id: int) -> OnNewMessage:
        """Rasa's handler for an update's message, which sends the stored replies if its turn is stored.

        A server killed after saving the turn but before sending the replies leaves the update
        unfinished; the server that recovers it must not run the turn a second time.
        """
        message_id = update_message_id(update_id)

        async def handle(message: UserMessage) -> None:
            message.message_id = message_id
            agent = self._agent()
            store = getattr(agent, "tracker_store", None)
            tracker = await store.retrieve(message.sender_id) if store is not None else None
            replies = stored_replies(tracker.events, message_id) if tracker is not None else None
            if replies is None:
                await self._on_new_message(message)
                return
            logger.warning("Telegram update %s was already answered and stored; sending its stored replies.",
                           update_id)
            for reply in replies:
                await message.output_channel.send_response(message.sender_id, reply)
        return handle

    async def deliver(self, chat_id: str, replies: Iterable[dict[str, Any]], reply_to: Optional[int] = None) -> None:
        """Render and send the assistant's replies in order."""
        for reply in replies:
            if await self.sender.send_all(chat_id, render_reply(reply, self.callbacks.encode), reply_to):
                reply_to = None

    # -- commands ---------------------------------------------------------------------------------
    async def _start(self, chat_id: str) -> None:
        await self.converse(chat_id, GREETING_PAYLOAD, None, {"command": "start"})

    async def _careers(self, chat_id: str) -> None:
        await self.converse(chat_id, CAREERS_PAYLOAD, None, {"command": "careers"})

    async def _help(self, chat_id: str) -> None:
        await self.sender.send(chat_id, OutgoingMessage(escape(HELP_TEXT),
                                                        keyboard(HELP_BUTTONS, self.callbacks.encode)))

    async def _reset(self, chat_id: str) -> None:
        await self.converse(chat_id, RESTART_PAYLOAD, None, {"command": "reset"})

    async def _forget(self, chat_id: str) -> None:
        agent = self._agent()
        conversation = telegram_conversation(chat_id)
        try:
            async with agent.lock_store.lock(conversation):
                # every table that holds the conversation (bot/shared/erasure.py), off the event loop
                deleted = await asyncio.to_thread(delete_conversation, agent.tracker_store, conversation,
                                                  "learner (Telegram /forget)")
        except Exception:  # noqa: BLE001 - the learner is told; details go to the log
            logger.exception("Deleting the conversation of chat %s failed.", chat_id)
            await self.sender.send(chat_id, OutgoingMessage(escape(FORGET_FAILED_REPLY)))
            return
        logger.info("Deleted the stored conversation of chat %s (%d rows) at its request.", chat_id, deleted)
        await self.sender.send(chat_id, OutgoingMessage(escape(FORGOTTEN_REPLY)))

    # -- button presses ---------------------------------------------------------------------------
    async def _load_events(self, sender_id: str) -> list[dict[str, Any]]:
        agent = self._agent()
        if agent is None:
            return []
        tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
        return [event.as_dict() for event in tracker.events] if tracker is not None else []

    async def _on_button(self, query: CallbackQuery, update_id: int) -> None:
        message = query.message
        if message is None or not query.data:
            await self.sender.quietly("answerCallbackQuery", "?", lambda: self.bot.answer_callback_query(query.id))
            return
        chat_id = str(message.chat.id)
        payload = await self.callbacks.resolve(query.data, telegram_conversation(chat_id), self._load_events)
        notice = EXPIRED_BUTTON if payload is None else None
        # Answer at once so the button's spinner stops, before the assistant works on the choice.
        await self.sender.quietly("answerCallbackQuery", chat_id,
                                  lambda: self.bot.answer_callback_query(query.id, text=notice))
        if payload is None:
            return
        if isinstance(message, Message):
            title = self._pressed_title(message, query.data) or payload
            if message.reply_markup is not None:
                new_html = with_choice(message.text_html, title) if message.text else None
                await self.sender.edit_keyboard_away(message.chat.id, message.message_id, new_html)
        await self.converse(chat_id, payload, None, {"update_id": update_id, "button": True})

    @staticmethod
    def _pressed_title(message: Message, data: str) -> Optional[str]:
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ()):
            for button in row:
                if button.callback_data == data:
                    return button.text
        return None
