"""The fake Telegram server, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .fake_telegram import FakeTelegram, parse_telegram_html

USER_ID = 4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Oui", callback_data="yes")],
            [InlineKeyboardButton("Non", callback_data="no")],
        ]
    )


# ----------------------------------------------------------------------------- plain Bot


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == fake.bot_id
    assert me.is_bot
    assert me.username == fake.bot_username
    assert fake.calls[0][0] == "getMe"


async def test_send_message_html_with_inline_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(USER_ID)
    first = await bot.send_message(
        USER_ID,
        "<b>Ne cliquez pas</b> sur le lien &amp; prévenez la direction\u00a0!",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(),
    )
    second = await bot.send_message(USER_ID, "Deuxième message")

    assert first.text == "Ne cliquez pas sur le lien & prévenez la direction\u00a0!"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bold", 0, 14)]
    assert first.reply_markup == keyboard()
    assert first.chat.id == USER_ID
    assert first.from_user is not None and first.from_user.id == fake.bot_id
    assert second.message_id == first.message_id + 1

    records = fake.messages_to(USER_ID)
    assert [r["message_id"] for r in records] == [first.message_id, second.message_id]
    assert records[0]["parse_mode"] == "HTML"
    assert records[0]["text"].startswith("<b>Ne cliquez pas</b>")
    assert records[0]["reply_markup"]["inline_keyboard"][1][0] == {
        "text": "Non",
        "callback_data": "no",
    }
    assert records[1]["parse_mode"] is None
    assert records[1]["reply_markup"] is None


@pytest.mark.parametrize(
    "markup",
    [
        "<b>gras non fermé",
        "<b><i>mal imbriqué</b></i>",
        "fin orpheline</b>",
        "saut<br>de ligne",
        "<div>bloc</div>",
        "<p>paragraphe</p>",
        "moins de 3 jours <3",
        "a < b",
        '<span class="rouge">x</span>',
        "<b",
    ],
)
async def test_bad_html_is_rejected(fake: FakeTelegram, bot: Bot, markup: str) -> None:
    fake.user(USER_ID)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER_ID, markup, parse_mode=ParseMode.HTML)
    assert fake.sent == []


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("<b>a</b><strong>b</strong><i>c</i><em>d</em>", "abcd"),
        ("<u>a</u><ins>b</ins><s>c</s><strike>d</strike><del>e</del>", "abcde"),
        ('<a href="https://cyber.gouv.fr/">ANSSI</a>', "ANSSI"),
        ("<code>x</code> <pre>y</pre>", "x y"),
        ('<pre><code class="language-python">print()</code></pre>', "print()"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ("<blockquote>cit</blockquote><blockquote expandable>long</blockquote>", "citlong"),
        ("&lt;b&gt; &quot;x&quot; &#233; & seul", '<b> "x" é & seul'),
        ("<B>majuscules</B>", "majuscules"),
        ("3 > 2", "3 > 2"),
    ],
)
def test_valid_telegram_html(markup: str, plain: str) -> None:
    assert parse_telegram_html(markup)[0] == plain


def test_html_entities_use_utf16_offsets() -> None:
    plain, entities = parse_telegram_html("🚨 <b>Alerte</b> <a href='https://x.fr'>lien</a>")
    assert plain == "🚨 Alerte lien"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "text_link", "offset": 10, "length": 4, "url": "https://x.fr"},
    ]


async def test_too_long_and_empty_messages_are_rejected(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(USER_ID)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "é" * 4097)
    # The limit applies after entity parsing: tags do not count.
    await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER_ID, "<b> </b>", parse_mode=ParseMode.HTML)
    assert len(fake.sent) == 1


async def test_unknown_chat_blocked_user_and_wrong_token(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "bonjour")
    user = fake.user(USER_ID)
    fake.block(user)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(USER_ID, "bonjour")
    calls_before = len(fake.calls)
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("1:wrong", base_url=fake.base_url):
            pass
    assert len(fake.calls) == calls_before  # refused before the method is looked at


async def test_wire_format_json_body_and_unknown_method(fake: FakeTelegram) -> None:
    fake.user(USER_ID)
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}{fake.token}"
        async with session.post(f"{url}/sendMessage", json={"chat_id": USER_ID, "text": "hi"}) as r:
            assert r.status == 200
            body = await r.json()
        assert body["ok"] is True
        assert body["result"]["text"] == "hi"
        async with session.post(f"{url}/sendPigeon", data={"chat_id": "1"}) as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with session.post(
            f"{url}/sendMessage",
            data={"chat_id": str(USER_ID), "text": "<x>", "parse_mode": "HTML"},
        ) as r:
            assert r.status == 400
            body = await r.json()
        assert body["ok"] is False
        assert body["error_code"] == 400
        assert body["description"].startswith("Bad Request: can't parse entities: ")
        async with session.get(f"{url}/getUpdates", params={"timeout": "0.2"}) as r:
            assert (await r.json())["result"] == []
    assert fake.calls[0] == ("sendMessage", {"chat_id": USER_ID, "text": "hi"})


@pytest.mark.filterwarnings("ignore:.*retry_after.*")
async def test_flood_control(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(USER_ID)
    fake.user(USER_ID + 1)
    fake.flood_limit = 2
    fake.flood_window = 60
    fake.flood_retry_after = 7
    await bot.send_message(USER_ID, "1")
    await bot.send_message(USER_ID, "2")
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(USER_ID, "3")
    await bot.send_message(USER_ID + 1, "another chat is not limited")
    assert [r["text"] for r in fake.sent] == ["1", "2", "another chat is not limited"]


async def test_edit_delete_and_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(USER_ID)
    message = await bot.send_message(USER_ID, "Question\u00a0?", reply_markup=keyboard())
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Question\u00a0?", USER_ID, message.message_id, reply_markup=keyboard()
        )
    edited = await bot.edit_message_text(
        "<i>Répondu</i>", USER_ID, message.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(message))
    assert edited.text == "Répondu"
    # Like Telegram, an edit without reply_markup removes the keyboard.
    assert edited.reply_markup is None
    current = fake.current_message(USER_ID, message.message_id)
    assert current is not None and "reply_markup" not in current

    await bot.edit_message_reply_markup(USER_ID, message.message_id, reply_markup=keyboard())
    current = fake.current_message(USER_ID, message.message_id)
    assert current is not None and current["reply_markup"]["inline_keyboard"][0][0]["text"] == "Oui"
    assert [e["method"] for e in fake.edits] == ["editMessageText", "editMessageReplyMarkup"]

    assert await bot.delete_message(USER_ID, message.message_id)
    assert fake.deleted == [(USER_ID, message.message_id)]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, message.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER_ID, message.message_id)


async def test_inline_keyboard_validation(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(USER_ID)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER_ID, "x", reply_markup=too_long)


async def test_files_commands_webhook_and_chat_action(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(USER_ID)
    update = fake.send_document(user, "facture.pdf", b"%PDF-1.7 facture", "application/pdf")
    file_id = update["message"]["document"]["file_id"]
    tg_file = await bot.get_file(file_id)
    assert tg_file.file_path is not None and tg_file.file_path.startswith(fake.base_file_url)
    assert bytes(await tg_file.download_as_bytearray()) == b"%PDF-1.7 facture"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")

    sent = await bot.send_document(
        USER_ID,
        InputFile(b"rapport", filename="rapport.txt"),
        caption="<b>Rapport</b> mensuel",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "rapport.txt"
    assert sent.caption == "Rapport mensuel"
    record = fake.messages_to(USER_ID)[-1]
    assert record["method"] == "sendDocument"
    assert record["document"]["content"] == b"rapport"

    commands = [BotCommand("aide", "Obtenir de l’aide"), BotCommand("signaler", "Signaler")]
    assert await bot.set_my_commands(commands)
    assert list(await bot.get_my_commands()) == commands
    assert list(await bot.get_my_commands(language_code="en")) == []

    assert await bot.send_chat_action(USER_ID, ChatAction.TYPING)
    assert fake.chat_actions == [(USER_ID, "typing")]

    assert await bot.set_webhook("https://vigie.example/telegram")
    assert (await bot.get_webhook_info()).url == "https://vigie.example/telegram"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.close()
    assert await bot.log_out()


async def test_downloads_are_recorded_stalled_or_gone(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(USER_ID)
    update = fake.send_document(user, "mail.eml", b"From: a@b.fr\n\nx", "message/rfc822")
    file_id = update["message"]["document"]["file_id"]
    tg_file = await bot.get_file(file_id)
    fake.stalled_downloads = 1
    stalled = asyncio.create_task(tg_file.download_as_bytearray())
    await asyncio.sleep(0.2)
    assert not stalled.done() and fake.downloads == []  # hangs, not recorded
    stalled.cancel()
    assert bytes(await tg_file.download_as_bytearray()) == b"From: a@b.fr\n\nx"
    assert fake.downloads == [tg_file.file_path.removeprefix(f"{fake.base_file_url}{fake.token}/")]
    fake.forget_file(file_id)
    with pytest.raises(BadRequest):
        await bot.get_file(file_id)


async def test_get_updates_offset_limit_and_timeout(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(USER_ID)
    ids = [fake.send_text(user, f"m{i}")["update_id"] for i in range(3)]
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.update_id for u in first] == ids[:2]
    # Not confirmed yet: delivered again.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == ids
    rest = await bot.get_updates(offset=ids[1] + 1, timeout=0)
    assert [u.update_id for u in rest] == ids[2:]
    assert fake.acknowledged_offset == ids[1] + 1

    # Long poll: an update arriving while the request waits is returned at once.
    async def inject_later() -> None:
        await asyncio.sleep(0.1)
        fake.send_text(user, "late")

    task = asyncio.create_task(inject_later())
    late = await bot.get_updates(offset=ids[2] + 1, timeout=5)
    await task
    assert [u.message.text for u in late if u.message] == ["late"]

    # Nothing new: an empty list once the timeout has elapsed.
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(offset=late[-1].update_id + 1, timeout=1) == ()
    assert loop.time() - started >= 0.9
    assert fake.pending_updates == []


# ----------------------------------------------------------------------------- Application


async def test_application_long_polling_echo_and_callback(fake: FakeTelegram) -> None:
    seen_updates: list[int] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Que voulez-vous faire\u00a0?", reply_markup=keyboard()
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen_updates.append(update.update_id)
        assert update.message is not None and update.message.text is not None
        await update.message.reply_html(f"Vous avez écrit\u00a0: <i>{update.message.text}</i>")

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen_updates.append(update.update_id)
        await query.answer("C’est noté")
        await query.edit_message_text(f"Choix\u00a0: {query.data}")

    application = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(button))
    user = fake.user(USER_ID, "Nadia", "nadia_as")

    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake.send_text(user, "/start")
        fake.send_text(user, "bonjour")
        replies = await fake.wait_for_messages(USER_ID, 2, timeout=5)
        by_text = {r["plain_text"]: r for r in replies}
        assert "Vous avez écrit\u00a0: bonjour" in by_text
        menu = by_text["Que voulez-vous faire\u00a0?"]

        pressed = fake.press_button(user, menu, "no")
        await fake.wait_for_acknowledged(pressed["update_id"], timeout=5)
        for _ in range(200):
            if fake.edits:
                break
            await asyncio.sleep(0.01)
        assert fake.answered_callbacks[0]["text"] == "C’est noté"
        assert fake.edits[0]["text"] == "Choix\u00a0: no"
        # The keyboard was removed by the edit, so the button cannot be pressed again.
        with pytest.raises(AssertionError, match="no button"):
            fake.press_button(user, menu, "yes")

        last = fake.send_text(user, "encore")
        await fake.wait_for_messages(USER_ID, 3, timeout=5)
        await fake.wait_for_acknowledged(last["update_id"], timeout=5)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()

    # Every update was handled exactly once (no redelivery) and all were confirmed.
    assert sorted(seen_updates) == sorted(set(seen_updates))
    assert len(seen_updates) == 3
    assert fake.pending_updates == []
    assert len(fake.messages_to(USER_ID)) == 3


async def test_wait_for_messages_reports_what_was_received(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(USER_ID)
    await bot.send_message(USER_ID, "seul message")
    with pytest.raises(AssertionError, match="seul message"):
        await fake.wait_for_messages(USER_ID, 2, timeout=0.1)


def test_user_updates_have_realistic_shape() -> None:
    server = FakeTelegram()
    user = server.user(7, "Léa", "lea_ide")
    sticker = server.send_sticker(user)
    voice = server.send_voice(user)
    photo = server.send_photo(user, caption="écran bizarre")
    command = server.send_text(user, "/aide@vigie_test_bot maintenant")
    parsed = [Update.de_json(json.loads(json.dumps(u)), None) for u in (sticker, voice, photo)]
    assert parsed[0].message is not None and parsed[0].message.sticker is not None
    assert parsed[1].message is not None and parsed[1].message.voice is not None
    assert parsed[2].message is not None and parsed[2].message.caption == "écran bizarre"
    assert command["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 20}]
    assert [u["update_id"] for u in (sticker, voice, photo, command)] == [1, 2, 3, 4]
    assert [u["message"]["message_id"] for u in (sticker, voice, photo, command)] == [1, 2, 3, 4]


# ----------------------------------------------------------------------------- group chats

GROUP_ID = -1001234567890


async def test_group_chat_privacy_mode_and_buttons(fake: FakeTelegram, bot: Bot) -> None:
    paul, lea, outsider = fake.user(501, "Paul"), fake.user(502, "Léa"), fake.user(503, "Zoé")
    team = fake.group(GROUP_ID, "Techniciens", [paul, lea])
    notice = await bot.send_message(
        GROUP_ID, "<b>Nouveau ticket</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard()
    )
    assert (notice.chat.id, notice.chat.type, notice.chat.title) == (
        GROUP_ID,
        "supergroup",
        "Techniciens",
    )
    [record] = fake.messages_to(GROUP_ID)
    assert record["plain_text"] == "Nouveau ticket" and fake.messages_to(paul.id) == []

    # Privacy mode: commands for this bot and replies to its messages only.
    delivered = [
        fake.send_text(paul, "/tickets", chat=team),
        fake.send_text(lea, "/tickets@vigie_test_bot", chat=team),
        fake.send_text(paul, "je regarde", chat=team, reply_to=record),
    ]
    mine = fake.send_text(lea, "qui s’en occupe ?", chat=team)
    withheld = [
        mine,
        fake.send_text(paul, "moi", chat=team, reply_to=mine["message"]),
        fake.send_text(paul, "/tickets@autre_bot", chat=team),
    ]
    assert all("update_id" not in u for u in withheld)
    assert [m["text"] for m in fake.withheld] == ["qui s’en occupe ?", "moi", "/tickets@autre_bot"]
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [u["update_id"] for u in delivered]
    for update, author in zip(updates, (paul, lea, paul), strict=True):
        assert update.message is not None and update.message.from_user is not None
        assert update.message.chat.id == GROUP_ID and update.message.chat.type == "supergroup"
        assert update.message.from_user.id == author.id
    reply = updates[2].message
    assert reply is not None and reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == notice.message_id
    assert reply.reply_to_message.from_user is not None
    assert reply.reply_to_message.from_user.id == fake.bot_id

    # Any member can press the group's buttons; an outsider can neither press nor write.
    pressed = fake.press_button(lea, record, "yes")
    [update] = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert update.update_id == pressed["update_id"]
    query = update.callback_query
    assert query is not None and query.from_user.id == lea.id and query.data == "yes"
    assert query.message is not None and query.message.chat.id == GROUP_ID
    with pytest.raises(AssertionError, match="not a member"):
        fake.press_button(outsider, record, "yes")
    with pytest.raises(AssertionError, match="not a member"):
        fake.send_text(outsider, "bonjour", chat=team)
    with pytest.raises(AssertionError, match="not in chat"):
        fake.send_text(paul, "ailleurs", reply_to=record)

    # Without privacy mode (the bot is an administrator), every message arrives.
    open_team = fake.group(-4001, "Atelier", [paul], privacy_mode=False)
    plain = fake.send_text(paul, "bonjour à tous", chat=open_team)
    [update] = await bot.get_updates(offset=pressed["update_id"] + 1, timeout=0)
    assert update.update_id == plain["update_id"] and update.message is not None
    assert update.message.chat.type == "group"
    with pytest.raises(ValueError):
        fake.group(42, "Pas un groupe", [paul])


async def test_force_reply_mention_and_reply_parameters(fake: FakeTelegram, bot: Bot) -> None:
    paul = fake.user(501, "Paul")
    team = fake.group(GROUP_ID, "Techniciens", [paul])
    notice = await bot.send_message(GROUP_ID, "Ticket VIG-2026-00001")
    prompt = await bot.send_message(
        GROUP_ID,
        f'<a href="tg://user?id={paul.id}">Paul</a>, répondez à ce message.',
        parse_mode=ParseMode.HTML,
        reply_markup=ForceReply(selective=True, input_field_placeholder="Votre réponse"),
        reply_parameters=ReplyParameters(notice.message_id),
    )
    assert prompt.reply_to_message is not None
    assert prompt.reply_to_message.message_id == notice.message_id
    [mention] = prompt.entities
    assert mention.type == "text_mention" and mention.user is not None
    assert mention.user.id == paul.id and (mention.offset, mention.length) == (0, 4)
    record = fake.messages_to(GROUP_ID)[-1]
    assert record["reply_markup"] == {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": "Votre réponse",
    }
    assert "reply_markup" not in record["message"]  # only inline keyboards are echoed

    # A user link to someone unknown stays a plain link.
    unknown = await bot.send_message(
        GROUP_ID, '<a href="tg://user?id=999">X</a>', parse_mode=ParseMode.HTML
    )
    assert unknown.entities[0].type == "text_link"
    with pytest.raises(BadRequest, match="to be replied not found"):
        await bot.send_message(GROUP_ID, "réponse", reply_parameters=ReplyParameters(9999))
    lenient = await bot.send_message(
        GROUP_ID,
        "réponse",
        reply_parameters=ReplyParameters(9999, allow_sending_without_reply=True),
    )
    assert lenient.reply_to_message is None
    answer = fake.send_text(paul, "Je passe à 14 h.", chat=team, reply_to=record)
    assert answer["message"]["reply_to_message"]["message_id"] == prompt.message_id
    assert "reply_to_message" not in answer["message"]["reply_to_message"]  # one level only
