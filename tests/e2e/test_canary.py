"""The canary test: unique secrets sent through every path by which a person's text enters
Vigie, with the real stack (fake Telegram, real bot, real Rasa and action server, real SMTP);
then the whole database (every table), the logs of Rasa, of the action server and of the bot,
the outbox, every message and file the bot sent to Telegram and every e-mail the SMTP server
received are searched. No canary may be found anywhere.

Paths: a chat message, a forwarded note, a pasted e-mail with a password typed under it, an
answer of the ticket form, a technician's reply, a follow-up added to the ticket, and the name
of an e-mail file.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterator

import asyncpg
import pytest

from tests.auxil.databases import asyncpg_dsn
from tests.auxil.fake_telegram import FakeTelegram
from tests.e2e.conftest import RunningBot, Stack
from tests.e2e.test_phishing import CORPUS, join, phishing_bot, upload
from tests.e2e.test_tickets import Conversation, add_technician, buttons, directory, fake
from vigie.people.directory import Directory

__all__ = ["directory", "fake", "phishing_bot"]

# Not the mail of test_phishing: the stack is shared, and its campaign counts must stay its own.
REPORTED = CORPUS / "phishing" / "colis_frais_colissimo.eml"

CANARIES = {
    "chat": "KanariChat1x!",
    "forward": "KanariFwd2x!",
    "paste": "KanariPaste3x!",
    "form": "KanariForm4x!",
    "technician": "KanariTech6x!",
    "follow_up": "KanariInfo5x!",
    "file_name": "KanariFile7x!",
}
# Not a secret: kept in the redacted turns, but never written in a log (nor is any text).
PLAIN_WORD = "zebrolampe"
REFERENCE_RE = re.compile(r"VIG-\d{4}-\d{5}")
PASTED = """\
De : Assurance Maladie <remboursement@ameli-assure-fr.com>
Objet : Votre remboursement de 48,50 € est en attente

Bonjour, confirmez vos coordonnées bancaires sous 48 h :
https://ameli-assure-fr.com/remboursement/connexion
"""


class Records(logging.Handler):
    """Every log record of the bot's process, formatted as it would be written."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, stack: Stack) -> Stack:
    """The session's stack on SQLite, then a stack of its own on PostgreSQL: the bot, the
    action server and Rasa write the same tables on both engines."""
    if request.param == "sqlite":
        return stack
    pg_stack: Stack = request.getfixturevalue("pg_stack")
    return pg_stack


async def database_values(database_url: str) -> Iterator[tuple[str, object]]:
    """Every value of every table of the stack's database, with its table's name."""
    found: list[tuple[str, object]] = []
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.split("///", 1)[1]) as db:
            query = "select name from sqlite_master where type='table'"
            for (table,) in db.execute(query).fetchall():
                for row in db.execute(f'select * from "{table}"'):
                    found += [(table, value) for value in row]
    else:
        connection = await asyncpg.connect(asyncpg_dsn(database_url), timeout=10)
        try:
            query = "select tablename from pg_tables where schemaname = 'public'"
            for record in await connection.fetch(query):
                table = record["tablename"]
                for row in await connection.fetch(f'select * from "{table}"'):
                    found += [(table, value) for value in row.values()]
        finally:
            await connection.close()
    return iter(found)


@pytest.fixture
def bot_logs() -> Iterator[Records]:
    records = Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(records)
    root.setLevel(logging.INFO)  # what the bot runs with
    try:
        yield records
    finally:
        root.removeHandler(records)
        root.setLevel(level)


def _as_text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def found_in(text: str) -> set[str]:
    return {path for path, canary in CANARIES.items() if canary in text}


async def test_no_canary_is_kept_or_sent_anywhere(
    fake: FakeTelegram,
    phishing_bot: RunningBot,
    stack: Stack,
    directory: Directory,
    bot_logs: Records,
) -> None:
    conv = Conversation(fake)
    staff = conv.person(fake.user(4401, "Aide"), "Soignante")
    tech = conv.person(fake.user(4402, "Paul"), "Technicien")
    await add_technician(conv, directory, tech)
    await join(conv, directory, staff, "EHPAD Le Canari", "Rodez")

    # A chat message.
    conv.say(staff, f"mon mot de passe c'est {CANARIES['chat']}")
    await conv.until(staff, "supprimé votre message")
    # A note forwarded from another chat.
    fake.forward_message(staff, f"le mot de passe du poste c'est {CANARIES['forward']}")
    await conv.until(staff, "supprimé votre message")
    # A pasted e-mail, the password typed under it.
    conv.say(staff, PASTED + f"\nj'ai cliqué, mon mdp c'est {CANARIES['paste']}")
    await conv.until(staff, "supprimé votre message")
    question = await conv.until(staff, "Qu’avez-vous fait avec ce mail")
    conv.press(staff, question, "Rien")
    await conv.until(staff, "Supprimez ce mail")
    # An e-mail file whose name holds a password.
    upload(conv, staff, REPORTED, f"mdp {CANARIES['file_name']}.eml")
    question = await conv.until(staff, "Qu’avez-vous fait avec ce mail")
    conv.press(staff, question, "Rien")
    await conv.until(staff, "Supprimez ce mail")

    # The ticket form, a password in the description.
    conv.say(staff, "je voudrais ouvrir un ticket")
    await conv.until(staff, "Décrivez le problème")
    # Its own words must stay out of every log (only the redacted turns keep them).
    conv.say(staff, f"l imprimante {PLAIN_WORD} bloque, mon mot de passe c'est {CANARIES['form']}")
    device = await conv.until(staff, "Sur quoi porte le problème")
    conv.press(staff, device, "Imprimante")
    await conv.until(staff, "Qui est touché")
    conv.say(staff, "moi seulement")
    care = await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.press(staff, care, "Avec difficulté")
    summary = await conv.until(staff, "Voici votre demande")
    conv.press(staff, summary, "Confirmer")
    created = await conv.until(staff, "C’est envoyé")
    [reference] = REFERENCE_RE.findall(created["plain_text"])

    # The technician's reply, then a follow-up of the requester.
    notice = await conv.until(tech, reference)
    conv.press(tech, notice, "Répondre")
    await conv.until(tech, "Écrivez maintenant")
    conv.say(tech, f"Essayez avec le mot de passe : {CANARIES['technician']}")
    answer = await conv.until(staff, "Essayez avec")
    await conv.until(tech, "Réponse envoyée")
    conv.press(staff, answer, next(t for t in buttons(answer) if t.startswith("Ajouter")))
    await conv.until(staff, "Écrivez l’information")
    conv.say(staff, f"ça ne marche pas, mon mdp c'est {CANARIES['follow_up']}")
    await conv.until(staff, "C’est ajouté")
    await conv.until(tech, "ça ne marche pas")
    await phishing_bot.application.bot_data["vigie"].pipeline.idle()

    leaks: dict[str, set[str]] = {}

    def check(where: str, text: str) -> None:
        if found := found_in(text):
            leaks.setdefault(where, set()).update(found)

    # Every table of the database (bot, action server and Rasa share it).
    tables: set[str] = set()
    for table, value in await database_values(stack.database_url):
        tables.add(table)
        if isinstance(value, bytes | memoryview):
            value = bytes(value).decode("utf-8", "replace")
        check(f"table {table}", str(value))
    assert {"inbox", "turns", "tickets", "ticket_events", "outbox", "events"} <= tables
    # The logs of Rasa, of the action server and of the bot.
    logs = {
        log.name: log.read_text(encoding="utf-8", errors="replace")
        for log in stack.log_dir.glob("*.log")
    }
    logs["bot log"] = "\n".join(bot_logs.lines)
    assert {"rasa.log", "actions.log"} <= set(logs)
    for name, text in logs.items():
        check(name, text)
        if PLAIN_WORD in text:
            leaks.setdefault(name, set()).add("message text")
    # What the bot sent to Telegram (messages and files) and what the SMTP server received.
    for record in fake.sent:
        check("telegram", json.dumps(record, ensure_ascii=False, default=_as_text))
        document = record.get("document")
        if isinstance(document, dict) and document.get("file_id"):
            check(
                "telegram file", fake.file(document["file_id"]).content.decode("utf-8", "replace")
            )
    for mail in stack.smtp.received():
        check("smtp", mail.message.as_string())
    assert leaks == {}
