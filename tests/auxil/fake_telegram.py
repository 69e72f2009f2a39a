"""A fake Telegram Bot API server for end-to-end tests.

It speaks the wire format python-telegram-bot uses (form-urlencoded or multipart bodies whose
non-string values are JSON-encoded; JSON bodies and query strings are accepted too) and behaves
like the real server where our code could get it wrong: Telegram HTML is parsed and rejected
when malformed, long or empty texts are refused, editing without ``reply_markup`` removes the
inline keyboard, "message is not modified" is reported, long polling honours ``offset``,
``timeout`` and ``limit`` and only one poller may wait at a time.

Group chats (:meth:`FakeTelegram.group`) follow Telegram's privacy mode: by default the bot
receives from a group only commands, replies to its own messages and button presses.

Usage::

    fake = FakeTelegram()
    await fake.start()
    app = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    user = fake.user(42)
    fake.send_text(user, "bonjour")
    replies = await fake.wait_for_messages(42, 1)
    team = fake.group(-1001234567890, "Techniciens", [user])
    fake.send_text(user, "/tickets", chat=team)
    await fake.stop()

Webhook delivery: once the bot has called ``setWebhook`` (an ``https://`` production URL,
unreachable from the tests), updates are POSTed to :attr:`FakeTelegram.webhook_delivery_url`
when the test sets it (the local nginx, or a bot process's own port), as Telegram does: a JSON
body, the ``X-Telegram-Bot-Api-Secret-Token`` header given to ``setWebhook``, at most
``max_connections`` requests at a time (``setWebhook``'s, 40 by default, or
:attr:`FakeTelegram.webhook_max_connections`), but per chat one update at a time, in
``update_id`` order: a chat's next update goes only once the previous one got its 200. A
non-200 answer, a connection error or a timeout is retried after a short pause (doubling,
bounded); the update stays pending until it is confirmed. :attr:`FakeTelegram.webhook_deliveries`
and :attr:`FakeTelegram.webhook_retries` count them, :attr:`FakeTelegram.delivery_log` has each
attempt. Without a delivery URL nothing is posted (a test posts the updates itself).
``getUpdates`` is refused while a webhook is set, as Telegram does::

    fake.webhook_delivery_url = "http://127.0.0.1:8080/telegram"
    update = fake.send_text(user, "bonjour")  # POSTed once the bot has set its webhook
    await fake.wait_for_acknowledged(update["update_id"])
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAEfakeTokenForVigieEndToEndTests0"
MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40  # Telegram's default for setWebhook

# Parameters that arrive as JSON-encoded strings in form bodies.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
_INT_PARAMS = frozenset(
    {
        "offset",
        "limit",
        "message_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "reply_to_message_id",
    }
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "allow_paid_broadcast",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_USER_LINK_RE = re.compile(r"tg://user\?id=(\d+)")
MAX_PLACEHOLDER_LENGTH = 64


def max_in_one_second(times: list[float]) -> int:
    """The most events (messages received: their ``time``) within any window of one second."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


class ApiError(Exception):
    """An error answered to the client the way Telegram does (``ok: false``)."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------- Telegram HTML


_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
}
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_RE = re.compile(
    r"""\s*([A-Za-z_:][A-Za-z0-9_:.-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|lt|gt|amp|quot);")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    utf16_start: int
    attributes: dict[str, str]
    text_start: int


def parse_telegram_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML like the Bot API does.

    Returns the plain text and its message entities (UTF-16 offsets). Raises :class:`ApiError`
    with "can't parse entities" for unsupported tags, unbalanced or misnested tags and unclosed
    tags. Like Telegram, a ``&`` that does not start a known entity is kept literally.
    """
    out: list[str] = []
    utf16_pos = 0
    plain_len = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    i = 0
    n = len(text)

    def fail(detail: str) -> ApiError:
        return _bad_request(f"can't parse entities: {detail}")

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    while i < n:
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match is not None:
                decoded = html.unescape(match.group(0))
                out.append(decoded)
                plain_len += len(decoded)
                utf16_pos += _utf16_len(decoded)
                i = match.end()
                continue
            out.append(char)
            plain_len += 1
            utf16_pos += 1
            i += 1
            continue
        if char != "<":
            # Copy the run of plain text up to the next markup character.
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            chunk = text[i:j]
            out.append(chunk)
            plain_len += len(chunk)
            utf16_pos += _utf16_len(chunk)
            i = j
            continue

        tag_offset = i
        if i + 1 < n and text[i + 1] == "/":
            close = text.find(">", i + 2)
            if close == -1:
                raise fail(f"Unclosed end tag at byte offset {byte_offset(tag_offset)}")
            name = text[i + 2 : close].strip().lower()
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {byte_offset(tag_offset)}")
            opened = stack.pop()
            if opened.name != name:
                raise fail(
                    f"Unmatched end tag at byte offset {byte_offset(tag_offset)}, "
                    f'expected "</{opened.name}>", found "</{name}>"'
                )
            needs_text = opened.name == "a" and not opened.attributes.get("href")
            inner_text = "".join(out)[opened.text_start :] if needs_text else ""
            entity = _make_entity(opened, utf16_pos, inner_text, stack)
            if entity is not None:
                entities.append(entity)
            i = close + 1
            continue

        name_match = _TAG_NAME_RE.match(text, i + 1)
        assert name_match is not None  # the pattern accepts the empty string
        name = name_match.group(0).lower()
        if name not in _ENTITY_TYPES:
            raise fail(f'Unsupported start tag "{name}" at byte offset {byte_offset(tag_offset)}')
        j = name_match.end()
        attributes: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise fail(f"Unclosed start tag at byte offset {byte_offset(tag_offset)}")
            if text[j] == ">":
                j += 1
                break
            attr = _ATTR_RE.match(text, j)
            if attr is None or attr.end() == j:
                raise fail(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{byte_offset(tag_offset)}"
                )
            value = next((g for g in attr.group(2, 3, 4) if g is not None), "")
            attributes[attr.group(1).lower()] = html.unescape(value)
            j = attr.end()
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise fail(
                'Tag "span" must have class "tg-spoiler" at byte offset '
                + str(byte_offset(tag_offset))
            )
        stack.append(_OpenTag(name, utf16_pos, attributes, plain_len))
        i = j

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    plain = "".join(out)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, entities


def _make_entity(
    opened: _OpenTag, utf16_end: int, inner_text: str, outer: list[_OpenTag]
) -> JSONDict | None:
    length = utf16_end - opened.utf16_start
    if length <= 0:
        return None
    entity: JSONDict = {
        "type": _ENTITY_TYPES[opened.name],
        "offset": opened.utf16_start,
        "length": length,
    }
    if opened.name == "a":
        entity["url"] = opened.attributes.get("href") or inner_text
    elif opened.name == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    elif opened.name == "code" and outer and outer[-1].name == "pre":
        language = opened.attributes.get("class", "")
        if language.startswith("language-"):
            # Telegram folds <pre><code class="language-x"> into one pre entity with a language.
            outer[-1].attributes["language"] = language.removeprefix("language-")
            return None
    if opened.name == "pre" and opened.attributes.get("language"):
        entity["language"] = opened.attributes["language"]
    return entity


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user talking to the bot in a private chat (``chat.id == id``)."""

    id: int
    first_name: str = "Aide"
    username: str | None = None
    language_code: str = "fr"

    def as_user(self) -> JSONDict:
        data: JSONDict = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            data["username"] = self.username
        return data

    def as_chat(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class FakeGroup:
    """A group chat the bot belongs to (``id`` negative), with its human members.

    With ``privacy_mode`` (Telegram's default for a bot that is not an administrator of the
    group) the bot receives from the group only commands (``/cmd``, ``/cmd@its_username``),
    replies to its own messages and button presses; other messages are withheld (they are
    kept in :attr:`FakeTelegram.withheld`). Without it, the bot receives every message.
    """

    id: int
    title: str
    members: tuple[FakeUser, ...]
    privacy_mode: bool = True
    type: str = "supergroup"

    def is_member(self, user: FakeUser) -> bool:
        return any(member.id == user.id for member in self.members)

    def as_chat(self) -> JSONDict:
        return {"id": self.id, "type": self.type, "title": self.title}


_Chat = FakeUser | FakeGroup


@dataclass
class StoredFile:
    """A file known to the fake server (sent by a user or uploaded by the bot)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class _StoredMessage:
    message: JSONDict
    from_bot: bool


@dataclass
class _Poller:
    generation: int


@dataclass
class FakeTelegram:
    """An in-process Telegram Bot API server bound to 127.0.0.1 on a free port."""

    token: str = DEFAULT_TOKEN
    bot_first_name: str = "Vigie"
    bot_username: str = "vigie_test_bot"
    flood_limit: int | None = None
    """At most this many sent/edited messages per chat within ``flood_window`` seconds."""
    flood_window: float = 1.0
    flood_retry_after: int = 1

    port: int = 0
    # Bots sharing one database across tests need update ids that never repeat.
    first_update_id: int = 1
    sent: list[JSONDict] = field(default_factory=list)
    edits: list[JSONDict] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    # deleteMessage refused in these chats (Telegram: older than 48 hours, or already gone).
    undeletable_chats: set[int] = field(default_factory=set)
    answered_callbacks: list[JSONDict] = field(default_factory=list)
    withheld: list[JSONDict] = field(default_factory=list)
    """Group messages the bot did not receive because of the group's privacy mode."""
    chat_actions: list[tuple[int, str]] = field(default_factory=list)
    calls: list[tuple[str, JSONDict]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    """``file_path`` of every file the bot downloaded, in order."""
    stalled_downloads: int = 0
    """The next this many file downloads hang until the server stops (a download still in
    flight when the bot dies); they are not in :attr:`downloads`."""
    acknowledged_offset: int = 0
    before_reply: Callable[[str, JSONDict], Awaitable[None]] | None = None
    """Awaited with (method, params) once a call succeeded, before the bot gets its answer:
    what a test does at the moment Telegram has accepted a call."""
    webhook_url: str = ""
    webhook_params: JSONDict = field(default_factory=dict)
    commands: dict[str, list[JSONDict]] = field(default_factory=dict)
    webhook_delivery_url: str = ""
    """Where updates are POSTed while a webhook is set (the registered URL being a production
    ``https://`` one); empty: nothing is delivered. See the module's docstring."""
    webhook_max_connections: int | None = None
    """Deliveries in flight at most; None: ``setWebhook``'s ``max_connections``, else 40."""
    webhook_retry_seconds: float = 0.25
    """The pause before a failed delivery is tried again, doubled at each failure…"""
    webhook_retry_max_seconds: float = 2.0
    """…up to this."""
    webhook_timeout_seconds: float = 60.0
    """How long a delivery waits for its answer before it counts as failed."""

    def __post_init__(self) -> None:
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._blocked: set[int] = set()
        self._pending: list[JSONDict] = []
        self._update_ids = itertools.count(self.first_update_id)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], _StoredMessage] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._flood: dict[int, list[float]] = {}
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._update_event = asyncio.Event()
        self._stopping = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        # Webhook delivery: counters, each attempt, the updates confirmed by a 200.
        self.webhook_deliveries = 0
        """Updates delivered (answered 200)."""
        self.webhook_retries = 0
        """Failed attempts (non-200, connection error, timeout), each tried again later."""
        self.delivery_log: list[JSONDict] = []
        """Each delivery attempt: update_id, chat_id, start, end (wall clock), status (None:
        no HTTP answer) and error."""
        self.confirmed_updates: set[int] = set()
        """Ids of the updates confirmed by a webhook delivery's 200."""
        self.pushed_at: dict[int, float] = {}
        """When each update was created (wall clock), by update id."""
        # Calls of the bots held (not handled) while closed; the calls being handled.
        self._calls_open = asyncio.Event()
        self._calls_open.set()
        self._calls_handled = 0
        self._delivery_wake = asyncio.Event()
        self._delivery_task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._busy_chats: set[object] = set()
        self._posting = 0
        self._slots = asyncio.Condition()
        self._http: aiohttp.ClientSession | None = None
        self._methods: dict[str, Callable[[JSONDict], Awaitable[Any]]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "answerCallbackQuery": self._answer_callback_query,
                "deleteMessage": self._delete_message,
                "sendChatAction": self._send_chat_action,
                "getFile": self._get_file,
                "sendDocument": self._send_document,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Start serving on 127.0.0.1 on a free port (available as :attr:`port`)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        addresses = self._runner.addresses
        assert addresses, "the fake Telegram server did not bind a socket"
        self.port = int(addresses[0][1])
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self._delivery_wake = asyncio.Event()  # of this event loop
        self._slots = asyncio.Condition()
        self._calls_open = asyncio.Event()
        self._calls_open.set()
        self._delivery_task = asyncio.create_task(self._deliver_updates())

    async def stop(self) -> None:
        """Release waiting long polls, stop delivering updates and stop the server."""
        self._closing = True
        self._stopping.set()
        self._wake_pollers()
        tasks = [t for t in (self._delivery_task, *self._deliveries) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._delivery_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test-facing API

    def user(self, user_id: int, first_name: str = "Aide", username: str | None = None) -> FakeUser:
        """Declare a user who has started the bot (a private chat with ``chat.id == user_id``)."""
        fake_user = FakeUser(user_id, first_name, username)
        self._users[user_id] = fake_user
        return fake_user

    def group(
        self,
        chat_id: int,
        title: str,
        members: list[FakeUser],
        *,
        privacy_mode: bool = True,
    ) -> FakeGroup:
        """Declare a group chat the bot was added to (a supergroup when the id is -100…)."""
        if chat_id >= 0:
            raise ValueError("a group chat id is negative")
        if chat_id in self._groups:
            raise ValueError(f"group {chat_id} already exists")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        fake_group = FakeGroup(chat_id, title, tuple(members), privacy_mode, kind)
        self._groups[chat_id] = fake_group
        return fake_group

    def block(self, user: FakeUser) -> None:
        """Make the user block the bot: sending to them answers 403 Forbidden."""
        self._blocked.add(user.id)

    def unblock(self, user: FakeUser) -> None:
        self._blocked.discard(user.id)

    def send_text(
        self,
        user: FakeUser,
        text: str,
        chat: FakeGroup | None = None,
        reply_to: JSONDict | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """Inject a text message written by ``user``; commands get a ``bot_command`` entity.

        ``chat``: a group ``user`` is a member of (default: the user's private chat).
        ``reply_to``: the message replied to (a record from :attr:`sent` or a Message dict,
        of the same chat). ``entities``: formatting kept from a paste, for instance
        ``text_link(text, "texte", "https://…")``. In a group with privacy mode, a message
        the bot would not receive is kept in :attr:`withheld` and returned without an
        ``update_id``.
        """
        message = self._user_message(user, chat)
        message["text"] = text
        command = _BOT_COMMAND_RE.match(text)
        if command is not None:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group(0))}
            ]
        if entities:
            message["entities"] = [*message.get("entities", []), *entities]
        if reply_to is not None:
            message["reply_to_message"] = self._replied_message(message["chat"]["id"], reply_to)
        if chat is not None and chat.privacy_mode and not self._meant_for_bot(message):
            self.withheld.append(copy.deepcopy(message))
            return {"message": message}
        return self._push_update({"message": message})

    def press_button(self, user: FakeUser, message: JSONDict, callback_data: str) -> JSONDict:
        """Inject a callback query: ``user`` presses the button carrying ``callback_data``.

        ``message`` is a record from :attr:`sent` or a Message dict. The button must exist in
        the message's *current* inline keyboard (after edits), otherwise AssertionError. In a
        group, any member can press the buttons of the bot's messages; others cannot.
        """
        chat_id = message.get("chat_id", message.get("chat", {}).get("id"))
        key = (int(chat_id), int(message["message_id"]))
        stored = self._messages.get(key)
        if stored is None or not stored.from_bot:
            raise AssertionError(f"no bot message {key[1]} in chat {key[0]} (deleted?)")
        group = self._groups.get(key[0])
        if group is not None:
            if not group.is_member(user):
                raise AssertionError(f"user {user.id} is not a member of group {key[0]}")
        elif key[0] != user.id:
            raise AssertionError(f"user {user.id} cannot see chat {key[0]}")
        keyboard = stored.message.get("reply_markup", {}).get("inline_keyboard", [])
        available = [b.get("callback_data") for row in keyboard for b in row]
        if callback_data not in available:
            raise AssertionError(
                f"no button with callback_data {callback_data!r} on message {key[1]}; "
                f"available: {available!r}"
            )
        return self.forge_callback(user, message, callback_data)

    @contextlib.asynccontextmanager
    async def calls_held(self, timeout: float = 30.0) -> AsyncIterator[None]:
        """While inside, the bots' calls wait before they are handled (none is accepted;
        ``getUpdates`` aside); entered once the calls being handled have been answered.
        Outside, they go on. A bot process killed inside loses no call Telegram accepted."""
        self._calls_open.clear()
        try:
            deadline = time.monotonic() + timeout
            while self._calls_handled:
                if time.monotonic() > deadline:
                    raise AssertionError(f"calls still handled after {timeout} s")
                await asyncio.sleep(0.005)
            yield
        finally:
            self._calls_open.set()

    def expire_callback(self, update: JSONDict) -> None:
        """Telegram will refuse to answer the update's callback query ("query is too old…"):
        it was answered already, or more than a few seconds went by."""
        self._open_callbacks.discard(update["callback_query"]["id"])

    def forge_callback(self, user: FakeUser, message: JSONDict, callback_data: str) -> JSONDict:
        """A callback query with any data, on a message of the bot: what a modified client can
        send (Telegram does not check the data against the message's buttons)."""
        chat_id = message.get("chat_id", message.get("chat", {}).get("id"))
        key = (int(chat_id), int(message["message_id"]))
        stored = self._messages[key]
        query_id = f"{user.id}{next(self._callback_counter):06d}"
        self._open_callbacks.add(query_id)
        return self._push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.as_user(),
                    "message": copy.deepcopy(stored.message),
                    "chat_instance": str(abs(hash((self.bot_id, key[0])))),
                    "data": callback_data,
                }
            }
        )

    def send_sticker(
        self,
        user: FakeUser,
        file_name: str = "sticker.webp",
        content: bytes = b"RIFF\x00\x00\x00\x00WEBP",
        mime_type: str = "image/webp",
        emoji: str = "👍",
    ) -> JSONDict:
        stored = self._store_file("stickers", file_name, content, mime_type)
        message = self._user_message(user)
        message["sticker"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(content),
        }
        return self._push_update({"message": message})

    def send_voice(
        self,
        user: FakeUser,
        file_name: str = "voice.oga",
        content: bytes = b"OggS\x00",
        mime_type: str = "audio/ogg",
        duration: int = 3,
    ) -> JSONDict:
        stored = self._store_file("voice", file_name, content, mime_type)
        message = self._user_message(user)
        message["voice"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._push_update({"message": message})

    def send_photo(
        self,
        user: FakeUser,
        file_name: str = "photo.jpg",
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        mime_type: str = "image/jpeg",
        caption: str | None = None,
    ) -> JSONDict:
        stored = self._store_file("photos", file_name, content, mime_type)
        message = self._user_message(user)
        message["photo"] = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            }
        ]
        if caption is not None:
            message["caption"] = caption
        return self._push_update({"message": message})

    def send_document(
        self,
        user: FakeUser,
        file_name: str = "document.pdf",
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str | None = "application/pdf",
        caption: str | None = None,
        chat: FakeGroup | None = None,
    ) -> JSONDict:
        """Inject a file sent by ``user`` (``chat``: a group, see :meth:`send_text`)."""
        stored = self._store_file("documents", file_name, content, mime_type)
        message = self._user_message(user, chat)
        message["document"] = _document_dict(stored)
        if caption is not None:
            message["caption"] = caption
        if chat is not None and chat.privacy_mode:
            self.withheld.append(copy.deepcopy(message))
            return {"message": message}
        return self._push_update({"message": message})

    def forward_message(
        self,
        user: FakeUser,
        text: str,
        *,
        origin_user: FakeUser | None = None,
        origin_name: str = "Service client",
        entities: list[JSONDict] | None = None,
        chat: FakeGroup | None = None,
    ) -> JSONDict:
        """Inject a message ``user`` forwards into the chat (``forward_origin`` set): from
        ``origin_user``, or from a user hiding their account (``origin_name``)."""
        message = self._user_message(user, chat)
        message["text"] = text
        if entities:
            message["entities"] = list(entities)
        date = int(time.time()) - 3600
        if origin_user is not None:
            message["forward_origin"] = {
                "type": "user",
                "date": date,
                "sender_user": origin_user.as_user(),
            }
        else:
            message["forward_origin"] = {
                "type": "hidden_user",
                "date": date,
                "sender_user_name": origin_name,
            }
        if chat is not None and chat.privacy_mode:
            self.withheld.append(copy.deepcopy(message))
            return {"message": message}
        return self._push_update({"message": message})

    def messages_to(self, chat_id: int) -> list[JSONDict]:
        """Every message the bot sent to ``chat_id`` (sendMessage, sendDocument), in order."""
        return [record for record in self.sent if record["chat_id"] == chat_id]

    def current_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The message as it is now (after edits), or None if it was deleted."""
        stored = self._messages.get((chat_id, message_id))
        return copy.deepcopy(stored.message) if stored is not None else None

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def forget_file(self, file_id: str) -> None:
        """The file is gone from Telegram's servers: getFile and its download fail."""
        stored = self._files.pop(file_id)
        self._files_by_path.pop(stored.file_path, None)

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 30,
    ) -> list[JSONDict]:
        """Wait until at least ``count`` messages were sent to the chat; return all of them."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages_to(chat_id)
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                received = [(m["method"], m.get("text")) for m in messages]
                raise AssertionError(
                    f"expected at least {count} message(s) to chat {chat_id} within {timeout}s, "
                    f"got {len(messages)}: {received!r}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_acknowledged(
        self,
        update_id: int,
        timeout: float = 10,
    ) -> None:
        """Wait until the bot has confirmed ``update_id`` (offset > update_id, or its webhook
        delivery answered 200)."""
        deadline = time.monotonic() + timeout
        while self.acknowledged_offset <= update_id and update_id not in self.confirmed_updates:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"update {update_id} not acknowledged within {timeout}s "
                    f"(acknowledged offset {self.acknowledged_offset})"
                )
            await asyncio.sleep(0.01)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot."""
        return list(self._pending)

    # ------------------------------------------------------------------ helpers

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _user_message(self, user: FakeUser, group: FakeGroup | None = None) -> JSONDict:
        chat: _Chat = user
        if group is None:
            self._users.setdefault(user.id, user)
        else:
            if self._groups.get(group.id) is not group:
                raise AssertionError(f"unknown group {group.id}: declare it with group()")
            if not group.is_member(user):
                raise AssertionError(f"user {user.id} is not a member of group {group.id}")
            chat = group
        message: JSONDict = {
            "message_id": self._next_message_id(chat.id),
            "from": user.as_user(),
            "chat": chat.as_chat(),
            "date": int(time.time()),
        }
        self._messages[(chat.id, message["message_id"])] = _StoredMessage(message, from_bot=False)
        return message

    def _replied_message(self, chat_id: int, reference: JSONDict) -> JSONDict:
        """The message a user replies to, as Telegram nests it (one level only)."""
        ref_chat = reference.get("chat_id", reference.get("chat", {}).get("id"))
        key = (int(ref_chat), int(reference["message_id"]))
        if key[0] != chat_id:
            raise AssertionError(f"message {key[1]} is in chat {key[0]}, not in chat {chat_id}")
        stored = self._messages.get(key)
        if stored is None:
            raise AssertionError(f"no message {key[1]} in chat {key[0]} (deleted?)")
        replied = copy.deepcopy(stored.message)
        replied.pop("reply_to_message", None)
        return replied

    def _meant_for_bot(self, message: JSONDict) -> bool:
        """What a bot in privacy mode receives: commands for it, replies to its messages."""
        command = _BOT_COMMAND_RE.match(message.get("text") or "")
        if command is not None:
            _, _, addressee = command.group(0).partition("@")
            if not addressee or addressee.lower() == self.bot_username.lower():
                return True
        replied = message.get("reply_to_message")
        return replied is not None and replied.get("from", {}).get("id") == self.bot_id

    def _push_update(self, body: JSONDict) -> JSONDict:
        update: JSONDict = {"update_id": next(self._update_ids), **body}
        self.pushed_at[update["update_id"]] = time.time()
        self._pending.append(update)
        self._wake_pollers()
        self._delivery_wake.set()
        return update

    def _wake_pollers(self) -> None:
        event = self._update_event
        self._update_event = asyncio.Event()
        event.set()

    def _store_file(
        self, folder: str, file_name: str, content: bytes, mime: str | None
    ) -> StoredFile:
        number = next(self._file_counter)
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else "bin"
        stored = StoredFile(
            file_id=f"BQACAgQAAxkBAAI{number:08d}fake",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}.{suffix}",
            content=content,
            mime_type=mime,
            file_name=file_name,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat_for(self, params: JSONDict) -> _Chat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None
        group = self._groups.get(chat_id)
        if group is not None:
            return group
        user = self._users.get(chat_id)
        if user is None:
            raise _bad_request("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def _check_flood(self, chat_id: int) -> None:
        if self.flood_limit is None:
            return
        now = time.monotonic()
        recent = [t for t in self._flood.get(chat_id, []) if now - t < self.flood_window]
        if len(recent) >= self.flood_limit:
            self._flood[chat_id] = recent
            raise ApiError(
                429,
                f"Too Many Requests: retry after {self.flood_retry_after}",
                {"retry_after": self.flood_retry_after},
            )
        recent.append(now)
        self._flood[chat_id] = recent

    def _stored_bot_message(self, params: JSONDict, action: str) -> tuple[_Chat, _StoredMessage]:
        if params.get("inline_message_id"):
            raise _bad_request("inline messages are not supported by the fake server")
        user = self._chat_for(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        stored = self._messages.get((user.id, int(message_id)))
        if stored is None:
            raise _bad_request(f"message to {action} not found")
        if not stored.from_bot:
            raise _bad_request(f"message can't be {action}ed")
        return user, stored

    # ------------------------------------------------------------------ HTTP layer

    async def _read_params(self, request: web.Request) -> JSONDict:
        raw: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return _coerce_form(raw)
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise _bad_request("JSON object expected")
            raw.update(body)
            return raw
        form = await request.post()
        files: dict[str, JSONDict] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = {
                    "file_name": value.filename,
                    "mime_type": value.content_type,
                    "content": value.file.read(),
                }
            else:
                raw[key] = value
        params = _coerce_form(raw)
        params.update(files)
        # Resolve attach:// references to the uploaded parts.
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.get(value.removeprefix("attach://"), value)
        return params

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        if method.lower() == "getupdates":  # a long poll accepts nothing: never held
            return await self._handle_call(request, method)
        await self._calls_open.wait()  # held: not handled, so not accepted, yet
        self._calls_handled += 1
        try:
            return await self._handle_call(request, method)
        finally:
            self._calls_handled -= 1

    async def _handle_call(self, request: web.Request, method: str) -> web.Response:
        try:
            params = await self._read_params(request)
            self.calls.append((method, params))
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
            if self.before_reply is not None:
                await self.before_reply(method, params)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.status)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        if self.stalled_downloads > 0:
            self.stalled_downloads -= 1
            await self._stopping.wait()
            return web.json_response(
                {"ok": False, "error_code": 503, "description": "Service Unavailable"}, status=503
            )
        self.downloads.append(stored.file_path)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ API methods

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self._allowed_updates = list(params["allowed_updates"])

        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self.acknowledged_offset = max(self.acknowledged_offset, offset)
        elif offset < 0:
            self._pending = self._pending[offset:]
            if self._pending:
                first = self._pending[0]["update_id"]
                self.acknowledged_offset = max(self.acknowledged_offset, first)

        # Only one long poll at a time: a new request terminates the previous one.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            ready = [u for u in self._pending if self._is_allowed(u)]
            if ready or self._closing:
                return ready[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._update_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _is_allowed(self, update: JSONDict) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _DEFAULT_EXCLUDED_UPDATES

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        self.webhook_params = {}
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        connections = params.get("max_connections")
        if connections is not None and not 1 <= int(connections) <= 100:
            raise _bad_request("bad webhook: max_connections must be between 1 and 100")
        self.webhook_url = str(url)
        self.webhook_params = dict(params)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        self._delivery_wake.set()
        return True

    # ------------------------------------------------------------------ webhook delivery

    def max_connections(self) -> int:
        """How many deliveries may be in flight at once."""
        if self.webhook_max_connections is not None:
            return self.webhook_max_connections
        return int(self.webhook_params.get("max_connections") or DEFAULT_MAX_CONNECTIONS)

    def _delivering(self) -> bool:
        return bool(self.webhook_url and self.webhook_delivery_url and not self._closing)

    async def _deliver_updates(self) -> None:
        """Start a delivery for the first pending update of each chat not being delivered to
        (a chat's later updates wait for it); woken by new updates, by setWebhook and by the
        end of a delivery."""
        while not self._closing:
            self._delivery_wake.clear()
            if self._delivering():
                waiting: set[object] = set(self._busy_chats)
                for update in list(self._pending):
                    if not self._is_allowed(update):
                        continue  # Telegram would not send it to this webhook
                    chat = _update_chat(update)
                    if chat in waiting:
                        continue
                    waiting.add(chat)
                    self._busy_chats.add(chat)
                    task = asyncio.create_task(self._deliver(update, chat))
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
            await self._delivery_wake.wait()

    async def _deliver(self, update: JSONDict, chat: object) -> None:
        """POST one update until it is answered 200 (or the webhook is gone: it stays
        pending), pausing after each failure."""
        pause = self.webhook_retry_seconds
        try:
            while self._delivering() and any(u is update for u in self._pending):
                status = await self._post(update)
                if status == 200:
                    self.webhook_deliveries += 1
                    self.confirmed_updates.add(update["update_id"])
                    self._pending = [u for u in self._pending if u is not update]
                    return
                self.webhook_retries += 1
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.webhook_retry_max_seconds)
        finally:
            self._busy_chats.discard(chat)
            self._delivery_wake.set()

    async def _post(self, update: JSONDict) -> int | None:
        """One delivery attempt within the connection limit; its HTTP status (None: none)."""
        async with self._slots:
            await self._slots.wait_for(lambda: self._posting < self.max_connections())
            self._posting += 1
        entry: JSONDict = {
            "update_id": update["update_id"],
            "chat_id": _update_chat(update),
            "start": time.time(),
        }
        self.delivery_log.append(entry)
        headers = {"Content-Type": "application/json"}
        secret = self.webhook_params.get("secret_token")
        if secret:
            headers[SECRET_TOKEN_HEADER] = str(secret)
        status: int | None = None
        try:
            assert self._http is not None
            async with self._http.post(
                self.webhook_delivery_url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout_seconds),
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            entry["error"] = type(exc).__name__
        finally:
            entry.update(end=time.time(), status=status)
            async with self._slots:
                self._posting -= 1
                self._slots.notify_all()
        return status

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_params.get("max_connections", 40)
            if self.webhook_params.get("allowed_updates"):
                info["allowed_updates"] = self.webhook_params["allowed_updates"]
        return info

    def _render(
        self, params: JSONDict, key: str, max_length: int, empty_error: str | None
    ) -> tuple[str, list[JSONDict]]:
        raw = params.get(key)
        text = "" if raw is None else str(raw)
        parse_mode = params.get("parse_mode") or ""
        if parse_mode == "HTML":
            plain, entities = parse_telegram_html(text)
        elif parse_mode in ("", "Markdown", "MarkdownV2"):
            entities_key = "caption_entities" if key == "caption" else "entities"
            plain, entities = text, list(params.get(entities_key) or [])
        else:
            raise _bad_request("unsupported parse_mode")
        if empty_error is not None and not plain.strip():
            raise _bad_request(empty_error)
        if len(plain) > max_length:
            raise _bad_request(
                "message is too long" if key == "text" else "message caption is too long"
            )
        return plain, entities

    def _reply_markup(self, params: JSONDict) -> JSONDict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise _bad_request("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "force_reply" in markup:
            if markup["force_reply"] is not True:
                raise _bad_request("can't parse reply keyboard markup JSON object")
            placeholder = markup.get("input_field_placeholder")
            if placeholder is not None and not 1 <= len(str(placeholder)) <= MAX_PLACEHOLDER_LENGTH:
                raise _bad_request("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is not None:
            for row in keyboard:
                for button in row:
                    if not str(button.get("text", "")).strip():
                        raise _bad_request("BUTTON_TEXT_EMPTY")
                    kinds = set(button) - {"text"}
                    if not kinds:
                        raise _bad_request(
                            "can't parse inline keyboard button: Text buttons are unallowed "
                            "in the inline keyboard"
                        )
                    data = button.get("callback_data")
                    if data is not None and not (
                        1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                    ):
                        raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    def _bot_message(self, user: _Chat, markup: JSONDict | None) -> JSONDict:
        message: JSONDict = {
            "message_id": self._next_message_id(user.id),
            "from": self._bot_user(),
            "chat": user.as_chat(),
            "date": int(time.time()),
        }
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return message

    def _record(
        self,
        method: str,
        user: _Chat,
        message: JSONDict,
        params: JSONDict,
        markup: JSONDict | None,
        **extra: Any,
    ) -> None:
        self._messages[(user.id, message["message_id"])] = _StoredMessage(message, from_bot=True)
        record: JSONDict = {
            "method": method,
            "chat_id": user.id,
            "message_id": message["message_id"],
            "text": params.get("text", params.get("caption")),
            "plain_text": message.get("text", message.get("caption")),
            "parse_mode": params.get("parse_mode"),
            "reply_markup": markup,
            "time": time.time(),
            "message": copy.deepcopy(message),
            **extra,
        }
        self.sent.append(record)

    async def _send_message(self, params: JSONDict) -> JSONDict:
        user = self._chat_for(params)
        plain, entities = self._render(params, "text", MAX_MESSAGE_LENGTH, "message text is empty")
        markup = self._reply_markup(params)
        replied = self._reply_parameters(params, user.id)
        self._check_flood(user.id)
        message = self._bot_message(user, markup)
        message["text"] = plain
        if entities:
            message["entities"] = self._mentions(entities)
        if replied is not None:
            message["reply_to_message"] = replied
        self._record("sendMessage", user, message, params, markup)
        return message

    def _reply_parameters(self, params: JSONDict, chat_id: int) -> JSONDict | None:
        """The message the bot replies to (``reply_parameters`` or ``reply_to_message_id``)."""
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise _bad_request("can't parse reply parameters JSON object")
        if reply.get("chat_id") not in (None, chat_id):
            raise _bad_request("replies to another chat are not supported by the fake server")
        stored = self._messages.get((chat_id, reply["message_id"]))
        if stored is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad_request("message to be replied not found")
        replied = copy.deepcopy(stored.message)
        replied.pop("reply_to_message", None)
        return replied

    def _mentions(self, entities: list[JSONDict]) -> list[JSONDict]:
        """Links ``tg://user?id=N`` to a known user become ``text_mention`` entities."""
        people = {u.id: u for g in self._groups.values() for u in g.members} | self._users
        result = []
        for entity in entities:
            match = _USER_LINK_RE.fullmatch(str(entity.get("url", "")))
            person = people.get(int(match.group(1))) if match else None
            if entity["type"] == "text_link" and person is not None:
                entity = {k: v for k, v in entity.items() if k != "url"}
                entity.update(type="text_mention", user=person.as_user())
            result.append(entity)
        return result

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        user, stored = self._stored_bot_message(params, "edit")
        if "text" not in stored.message:
            raise _bad_request("there is no text in the message to edit")
        plain, entities = self._render(params, "text", MAX_MESSAGE_LENGTH, "message text is empty")
        markup = self._reply_markup(params)
        new_keyboard = markup.get("inline_keyboard") if markup else None
        old = stored.message
        if (
            old.get("text") == plain
            and old.get("entities", []) == entities
            and old.get("reply_markup", {}).get("inline_keyboard") == new_keyboard
        ):
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_flood(user.id)
        old["text"] = plain
        old.pop("entities", None)
        if entities:
            old["entities"] = entities
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        old.pop("reply_markup", None)
        if new_keyboard is not None:
            old["reply_markup"] = {"inline_keyboard": new_keyboard}
        old["edit_date"] = int(time.time())
        self.edits.append(
            {
                "method": "editMessageText",
                "chat_id": user.id,
                "message_id": old["message_id"],
                "text": params.get("text"),
                "parse_mode": params.get("parse_mode"),
                "reply_markup": markup,
                "time": time.time(),
            }
        )
        return copy.deepcopy(old)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        user, stored = self._stored_bot_message(params, "edit")
        markup = self._reply_markup(params)
        new_keyboard = markup.get("inline_keyboard") if markup else None
        old = stored.message
        if old.get("reply_markup", {}).get("inline_keyboard") == new_keyboard:
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        old.pop("reply_markup", None)
        if new_keyboard is not None:
            old["reply_markup"] = {"inline_keyboard": new_keyboard}
        old["edit_date"] = int(time.time())
        self.edits.append(
            {
                "method": "editMessageReplyMarkup",
                "chat_id": user.id,
                "message_id": old["message_id"],
                "reply_markup": markup,
                "time": time.time(),
            }
        )
        return copy.deepcopy(old)

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise _bad_request(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.answered_callbacks.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": params.get("show_alert", False),
                "url": params.get("url"),
            }
        )
        return True

    async def _delete_message(self, params: JSONDict) -> bool:
        user = self._chat_for(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        if user.id in self.undeletable_chats:
            raise _bad_request("message can't be deleted")
        if self._messages.pop((user.id, int(message_id)), None) is None:
            raise _bad_request("message to delete not found")
        self.deleted.append((user.id, int(message_id)))
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        user = self._chat_for(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        self.chat_actions.append((user.id, str(action)))
        return True

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _send_document(self, params: JSONDict) -> JSONDict:
        user = self._chat_for(params)
        document = params.get("document")
        if isinstance(document, dict):
            stored = self._store_file(
                "documents",
                str(document.get("file_name") or "document"),
                bytes(document["content"]),
                document.get("mime_type"),
            )
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
        elif document is None:
            raise _bad_request("there is no document in the request")
        else:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        caption, entities = self._render(params, "caption", MAX_CAPTION_LENGTH, None)
        markup = self._reply_markup(params)
        self._check_flood(user.id)
        message = self._bot_message(user, markup)
        message["document"] = _document_dict(stored)
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        self._record(
            "sendDocument",
            user,
            message,
            params,
            markup,
            document={
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "content": stored.content,
                "file_id": stored.file_id,
            },
        )
        return message

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands not found" if not commands else "too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True


def text_link(text: str, shown: str, url: str) -> JSONDict:
    """A ``text_link`` entity over the first occurrence of ``shown`` in ``text`` (a link
    hidden behind words, as a paste of formatted text or a forwarded message has)."""
    start = text.index(shown)
    return {
        "type": "text_link",
        "offset": _utf16_len(text[:start]),
        "length": _utf16_len(shown),
        "url": url,
    }


def _update_chat(update: JSONDict) -> object:
    """The chat an update belongs to (its updates are delivered one at a time, in order); an
    update of no chat is a key of its own."""
    message = update.get("message") or update.get("edited_message")
    if message is None and "callback_query" in update:
        query = update["callback_query"]
        message = query.get("message") or {"chat": {"id": query["from"]["id"]}}
    if message is not None:
        return int(message["chat"]["id"])
    return ("update", update["update_id"])


def _document_dict(stored: StoredFile) -> JSONDict:
    data: JSONDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
    }
    if stored.file_name:
        data["file_name"] = stored.file_name
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    return data


def _coerce_form(raw: dict[str, Any]) -> JSONDict:
    """Decode form values the way the Bot API does: JSON for structures, numbers, booleans."""
    params: JSONDict = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            params[key] = value
            continue
        try:
            if key in _JSON_PARAMS:
                params[key] = json.loads(value)
            elif key in _INT_PARAMS:
                params[key] = int(value)
            elif key in _FLOAT_PARAMS:
                params[key] = float(value)
            elif key == "chat_id":
                params[key] = int(value) if re.fullmatch(r"-?\d+", value) else value
            elif key in _BOOL_PARAMS:
                params[key] = {"true": True, "false": False}[value.lower()]
            else:
                params[key] = value
        except (ValueError, KeyError):
            raise _bad_request(f"wrong parameter {key} in request") from None
    return params
