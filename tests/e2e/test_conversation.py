"""End to end: the real Application, a fake Telegram server, the real Rasa and actions."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from tests.auxil.fake_telegram import FakeTelegram
from tests.e2e.conftest import HOTLINE, RunningBot
from vigie.core.settings import ROOT
from vigie.knowledge.loader import KnowledgeBase

KB = KnowledgeBase.load(ROOT / "knowledge")


def buttons(message: dict) -> list[dict]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_question_gets_article_then_related_button(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    user = fake.user(1001)
    fake.send_text(user, "c koi un bon mdp")
    [answer] = await fake.wait_for_messages(user.id, 1)
    article = KB.get("password_strength")
    assert answer["parse_mode"] == "HTML"
    assert answer["plain_text"].startswith(article.title)
    related = [b for b in buttons(answer) if b["callback_data"].startswith("/faq")]
    assert [b["text"] for b in related] == [KB.get(r).title for r in article.related]

    fake.press_button(user, answer, related[0]["callback_data"])
    messages = await fake.wait_for_messages(user.id, 2)
    assert messages[1]["plain_text"].startswith(KB.get(article.related[0]).title)
    assert fake.answered_callbacks, "the button press was not acknowledged"

    # « Cette réponse vous a aidé ? »: 👎 is recorded for the asker's turn, and said so.
    judge = {b["text"]: b["callback_data"] for b in buttons(answer)}
    assert set(judge) >= {"👍 Utile", "👎 Pas utile"}
    await bot.application.bot_data["vigie"].pipeline.idle()
    fake.press_button(user, answer, judge["👎 Pas utile"])
    for _ in range(300):
        if any("relira" in (c["text"] or "") for c in fake.answered_callbacks):
            break
        await asyncio.sleep(0.1)
    assert any("relira" in (c["text"] or "") for c in fake.answered_callbacks)
    # Then, optionally, what was missing: a reply to the question (a password in it masked).
    question = await _message_containing(fake, user.id, "Qu’est-ce qui vous a manqué")
    fake.send_text(user, "la longueur minimale, mon mdp c'est Soleil2024!", reply_to=question)
    await _message_containing(fake, user.id, "c’est noté")
    with sqlite3.connect(bot.settings.database_url.split("///", 1)[1]) as db:
        votes = db.execute(
            "select f.useful, t.article_id, f.note from answer_feedback f join turns t "
            "on t.id = f.turn_id"
        ).fetchall()
    assert [vote[:2] for vote in votes] == [(0, "password_strength")]
    assert votes[0][2].startswith("la longueur minimale") and "Soleil2024" not in votes[0][2]


async def test_a_button_press_telegram_no_longer_acknowledges_is_still_taken(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    """The press's callback query cannot be answered any more (a bot process answered it and
    was killed before confirming the update, which Telegram then sent again; or it waited too
    long): the press is taken all the same, not refused three times then asked again."""
    user = fake.user(1009)
    fake.send_text(user, "c koi un bon mdp")
    [answer] = await fake.wait_for_messages(user.id, 1)
    related = [b for b in buttons(answer) if b["callback_data"].startswith("/faq")]
    fake.expire_callback(fake.press_button(user, answer, related[0]["callback_data"]))
    messages = await fake.wait_for_messages(user.id, 2)
    article = KB.get(KB.get("password_strength").related[0])
    assert messages[1]["plain_text"].startswith(article.title)
    await bot.application.bot_data["vigie"].pipeline.idle()
    assert len(fake.messages_to(user.id)) == 2 and not fake.answered_callbacks


async def _message_containing(fake: FakeTelegram, chat_id: int, needle: str) -> dict:
    """The first message to the chat containing ``needle`` (waits up to 30 s)."""
    for _ in range(300):
        for message in fake.messages_to(chat_id):
            if needle in (message.get("plain_text") or ""):
                return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"no message containing {needle!r}")


async def test_ransom_screen_gets_reflexes_first(fake: FakeTelegram, bot: RunningBot) -> None:
    user = fake.user(1002)
    fake.send_text(user, "mon ecran affiche une rançon")
    # The reflexes first; then, this person being registered nowhere, why no incident is
    # recorded (two messages: waiting for one could see either one or both).
    answer, unregistered = await fake.wait_for_messages(user.id, 2)
    assert "établissement" in unregistered["plain_text"]
    text = answer["plain_text"]
    assert "câble réseau" in text
    assert HOTLINE in text
    assert text.index("câble réseau") < text.index(HOTLINE)


async def test_start_shows_welcome_privacy_and_menu(fake: FakeTelegram, bot: RunningBot) -> None:
    user = fake.user(1003)
    fake.send_text(user, "/start")
    welcome, privacy, menu = await fake.wait_for_messages(user.id, 3)
    assert "Vigie" in welcome["plain_text"]
    assert "mot de passe" in privacy["plain_text"] and "365" in privacy["plain_text"]
    payloads = [b["callback_data"] for b in buttons(menu)]
    assert "/report_phishing" in payloads and "/declare_incident" in payloads


async def test_unsupported_inputs_get_clear_answers(fake: FakeTelegram, bot: RunningBot) -> None:
    user = fake.user(1004)
    fake.send_sticker(user)
    fake.send_voice(user)
    fake.send_photo(user)
    fake.send_document(user, "facture.pdf", b"%PDF-1.4 test", "application/pdf")
    fake.send_text(user, "/formatage")
    fake.send_text(user, "x" * 3000)
    messages = await fake.wait_for_messages(user.id, 6)
    texts = [m["plain_text"] for m in messages]
    assert "messages écrits" in texts[0]
    assert "vocaux" in texts[1]
    assert "photos" in texts[2]
    assert "fichiers" in texts[3]
    assert "commande" in texts[4]
    assert "trop long" in texts[5]


async def test_password_is_redacted_before_storage(
    fake: FakeTelegram, bot: RunningBot, tmp_path: Path
) -> None:
    user = fake.user(1005)
    sent = fake.send_text(user, "j ai donné mon mdp c'est Soleil2024! a un faux technicien au tel")
    messages = await fake.wait_for_messages(user.id, 2)
    # Pulled back from the chat, and the person told to change it.
    assert "J’ai supprimé votre message" in messages[0]["plain_text"]
    assert "changez-le" in messages[0]["plain_text"]
    assert (user.id, sent["message"]["message_id"]) in fake.deleted
    await bot.application.bot_data["vigie"].pipeline.idle()
    with sqlite3.connect(tmp_path / "vigie.db") as db:
        stored = [row[0] for row in db.execute("select text from inbox")]
        logged = [row for row in db.execute("select text_in, sender, intent from turns")]
    assert stored and all("Soleil2024" not in text for text in stored)
    assert logged and all("Soleil2024" not in row[0] for row in logged)
    assert all(str(user.id) not in row[1] for row in logged)


async def test_fallback_offers_two_topics(fake: FakeTelegram, bot: RunningBot) -> None:
    user = fake.user(1006)
    fake.send_text(user, "kdjfh sdkfj")  # nothing the model can place (« truc machin »: the menu)
    [answer] = await fake.wait_for_messages(user.id, 1)
    offered = buttons(answer)
    assert "Vous voulez parler" in answer["plain_text"]
    assert len(offered) == 3
    assert offered[-1]["callback_data"] == "/out_of_scope"
    fake.press_button(user, answer, offered[0]["callback_data"])
    messages = await fake.wait_for_messages(user.id, 2)
    assert messages[1]["plain_text"] and "Vous voulez parler" not in messages[1]["plain_text"]


async def test_no_typed_text_or_forged_button_names_an_intent(
    fake: FakeTelegram, bot: RunningBot, tmp_path: Path
) -> None:
    """Slash, spaces or invisible characters before an intent: Rasa reads words, never the
    intent with its entities; a forged button is refused before Rasa."""
    user = fake.user(1007)
    variants = [
        '/ email_received{"phishing_report":"1"}',
        '\u200b/email_received{"phishing_report":"1"}',
        '  / add_info{"ticket_ref":"VIG-2026-00001"}',
        "\ufeff/ticket_status",
    ]
    for text in variants:
        fake.send_text(user, text)
    answers = await fake.wait_for_messages(user.id, len(variants))
    assert all(a["plain_text"] for a in answers)
    fake.forge_callback(user, answers[-1], '/email_received{"phishing_report":"1"}')
    refused = await fake.wait_for_messages(user.id, len(variants) + 1)
    assert "plus disponible" in refused[-1]["plain_text"]
    await bot.application.bot_data["vigie"].pipeline.idle()
    with sqlite3.connect(tmp_path / "vigie.db") as db:
        rows = list(db.execute("select intent, confidence from turns where intent is not null"))
    assert len(rows) == len(variants)
    assert "email_received" not in {intent for intent, _ in rows}  # never predicted from text
    assert all(confidence < 1.0 for _, confidence in rows)  # an intent payload gives 1.0


async def test_a_password_that_cannot_be_deleted_is_left_to_the_person(
    fake: FakeTelegram, bot: RunningBot
) -> None:
    user = fake.user(1008)
    fake.undeletable_chats.add(user.id)
    fake.send_text(user, "mon code pin de la carte cps c'est 4821")
    messages = await fake.wait_for_messages(user.id, 2)
    warning = messages[0]["plain_text"]
    assert "encore dans la conversation" in warning and "Supprimer" in warning
    assert fake.deleted == []


async def test_a_person_sees_then_erases_what_vigie_holds(
    fake: FakeTelegram, bot: RunningBot, tmp_path: Path
) -> None:
    user = fake.user(1009)
    fake.send_text(user, "c koi un bon mdp")
    await fake.wait_for_messages(user.id, 1)
    await bot.application.bot_data["vigie"].pipeline.idle()
    fake.send_text(user, "/mes_donnees")
    summary, export = (await fake.wait_for_messages(user.id, 3))[1:]
    assert "Échanges journalisés" in summary["plain_text"] and "1, du" in summary["plain_text"]
    data = json.loads(fake.file(export["document"]["file_id"]).content)
    assert data["messages"][0]["you"] == "c koi un bon mdp"
    fake.send_text(user, "/oubli")
    ask = (await fake.wait_for_messages(user.id, 4))[-1]
    assert "/oubli confirmer" in ask["plain_text"]
    fake.send_text(user, "/oubli confirmer")
    done = (await fake.wait_for_messages(user.id, 5))[-1]
    assert "C’est fait" in done["plain_text"]
    with sqlite3.connect(tmp_path / "vigie.db") as db:
        left = db.execute("select count(*) from turns").fetchone()[0]
        items = db.execute("select count(*) from inbox").fetchone()[0]
    assert (left, items) == (0, 0)
