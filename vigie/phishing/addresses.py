"""Work e-mail addresses linked to people, so that the reporting mailbox knows who forwarded a
suspicious mail (``vigie/phishing/mailbox.py``).

A registered person types ``/adresse marie.dupont@ehpad-les-tilleuls.fr`` in the chat: a
six-digit code is e-mailed to that address (through the outbox, by SMTP); the person types
``/adresse 123456`` and the address is linked. Only keyed hashes are stored
(:func:`vigie.core.pseudonym.address_key`): the address itself stays in the outbox row that
sends the code, and goes with it. A code lives ``ADDRESS_CODE_MINUTES`` and allows
``MAX_ATTEMPTS`` tries; ``/adresse retirer`` unlinks. An address linked again by someone else
moves to that person (the one who can read its mail).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.pseudonym import address_key, normalise_address
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.outbox.store import Outbox
from vigie.people.models import AddressCode, Person
from vigie.phishing import mailbox_texts as texts

__all__ = ["AddressLinks", "LinkOutcome", "looks_like_address"]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A new code for the same person at most this often (a code cannot be used to flood a mailbox).
RESEND_SECONDS = 60
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$"
)
_CODE = re.compile(r"^\d{6}$")

LinkResult = Literal[
    "sent",  # a code was e-mailed
    "wait",  # a code was sent less than RESEND_SECONDS ago
    "invalid",  # not an address
    "not_registered",  # only registered people link an address
    "mail_disabled",  # no SMTP server configured: no code can be sent
    "linked",  # the code was right
    "wrong",  # the code was wrong (attempts left)
    "expired",  # no pending code, or too old, or too many tries
    "unlinked",
    "nothing",  # nothing to unlink
]


@dataclass(frozen=True)
class LinkOutcome:
    result: LinkResult
    attempts_left: int = 0


def looks_like_address(value: str) -> bool:
    """Whether ``value`` is one plain e-mail address (ASCII, as work addresses are)."""
    return len(value) <= 254 and bool(_ADDRESS.match(value.strip()))


class AddressLinks:
    """Links, confirms and forgets people's work addresses."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings

    def _secret(self) -> bytes:
        return self._settings.pseudonym_secret.get_secret_value().encode()

    def key(self, address: str) -> str:
        """The stored form of ``address``."""
        return address_key(address, self._secret())

    def _code_hash(self, person_id: int, code: str) -> str:
        message = f"code:{person_id}:{code}".encode()
        return hmac.new(self._secret(), message, hashlib.sha256).hexdigest()

    @staticmethod
    async def _person(session: AsyncSession, sender: str) -> Person | None:
        person = await session.scalar(select(Person).where(Person.sender == sender))
        return person if person is not None and person.active else None

    async def start(self, sender: str, address: str) -> LinkOutcome:
        """E-mail a code to ``address`` for the person ``sender``."""
        address = normalise_address(address)
        if not looks_like_address(address):
            return LinkOutcome("invalid")
        if not self._settings.smtp_host:
            return LinkOutcome("mail_disabled")
        now = utcnow()
        lifetime = timedelta(minutes=self._settings.address_code_minutes)
        async with self._sessionmaker() as session:
            person = await self._person(session, sender)
            if person is None or (person.facility_id is None and person.role == "staff"):
                return LinkOutcome("not_registered")
            pending = await session.get(AddressCode, person.id, with_for_update=True)
            if pending is not None:
                sent_at = pending.expires_at - lifetime
                if (now - sent_at).total_seconds() < RESEND_SECONDS:
                    return LinkOutcome("wait")
                await session.delete(pending)
                await session.flush()
            code = f"{secrets.randbelow(1_000_000):06d}"
            session.add(
                AddressCode(
                    person_id=person.id,
                    address_key=self.key(address),
                    code_hash=self._code_hash(person.id, code),
                    attempts=0,
                    expires_at=now + lifetime,
                )
            )
            domain = self._settings.mail_from.rpartition("@")[2] or "localhost"
            Outbox.add(
                session,
                channel="email",
                destination=address,
                payload={
                    "subject": texts.ADDRESS_CODE_SUBJECT,
                    "body": texts.address_code_body(code, self._settings.address_code_minutes),
                    "message_id": f"<adresse-{person.id}-{secrets.token_hex(8)}@{domain}>",
                },
            )
            await session.commit()
        logger.info("Address code queued for person %s", person.id)
        return LinkOutcome("sent")

    async def confirm(self, sender: str, code: str) -> LinkOutcome:
        """Check the code the person typed; link the address when it is right."""
        code = code.strip()
        now = utcnow()
        async with self._sessionmaker() as session:
            person = await self._person(session, sender)
            if person is None:
                return LinkOutcome("not_registered")
            pending = await session.get(AddressCode, person.id, with_for_update=True)
            if pending is None or pending.expires_at <= now or pending.attempts >= MAX_ATTEMPTS:
                if pending is not None:
                    await session.delete(pending)
                    await session.commit()
                return LinkOutcome("expired")
            if not _CODE.match(code) or not hmac.compare_digest(
                pending.code_hash, self._code_hash(person.id, code)
            ):
                pending.attempts += 1
                left = MAX_ATTEMPTS - pending.attempts
                if left <= 0:
                    await session.delete(pending)
                await session.commit()
                return LinkOutcome("wrong", max(left, 0)) if left > 0 else LinkOutcome("expired")
            key = pending.address_key
            # The address moves to whoever proved they read its mail.
            await session.execute(
                update(Person).where(Person.address_key == key).values(address_key=None)
            )
            person.address_key = key
            await session.delete(pending)
            await session.commit()
        logger.info("Address linked for person %s", person.id)
        return LinkOutcome("linked")

    async def unlink(self, sender: str) -> LinkOutcome:
        """Forget the person's address (and any pending code)."""
        async with self._sessionmaker() as session:
            person = await self._person(session, sender)
            if person is None:
                return LinkOutcome("nothing")
            await session.execute(delete(AddressCode).where(AddressCode.person_id == person.id))
            had = person.address_key is not None
            person.address_key = None
            await session.commit()
        return LinkOutcome("unlinked" if had else "nothing")

    async def linked(self, sender: str) -> bool:
        """Whether the person has linked an address."""
        async with self._sessionmaker() as session:
            person = await self._person(session, sender)
            return person is not None and person.address_key is not None

    async def person_for(self, address: str) -> Person | None:
        """The active person who linked ``address`` (detached), or None."""
        if not address.strip():
            return None
        async with self._sessionmaker() as session:
            person = await session.scalar(
                select(Person).where(Person.address_key == self.key(address), Person.active)
            )
            if person is not None:
                session.expunge(person)
            return person

    async def handle(self, sender: str, argument: str) -> tuple[LinkOutcome, str]:
        """``/adresse`` with its argument: an address, a code, « retirer », or nothing (what the
        command does and whether an address is linked). The outcome and its French answer."""
        argument = argument.strip()
        if not argument:
            outcome = LinkOutcome("linked" if await self.linked(sender) else "nothing")
            return outcome, texts.address_help(
                outcome.result == "linked", self._settings.report_mailbox_address
            )
        if argument.lower() in ("retirer", "supprimer", "oublier", "délier", "delier"):
            outcome = await self.unlink(sender)
        elif _CODE.match(argument):
            outcome = await self.confirm(sender, argument)
        else:
            outcome = await self.start(sender, argument)
        return outcome, texts.address_answer(
            outcome.result,
            outcome.attempts_left,
            self._settings.report_mailbox_address,
            self._settings.address_code_minutes,
        )
