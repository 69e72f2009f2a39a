"""A technician's reply being typed (after « Répondre » or « Poser une question »), kept in the
database for ``PENDING_REPLY_SECONDS``: behind several bot processes, the next message reaches
the ticket whichever process receives it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.clock import Clock
from vigie.db.engine import execute_write
from vigie.tickets.models import PendingReply


@dataclass(frozen=True)
class Pending:
    ticket_id: int
    reference: str
    ask: bool
    name: str  # the technician's display name, for the group's messages
    token: str  # this press (a newer one replaces it)
    prompt_id: int | None = None  # group chats: the prompt the reply must answer


class PendingReplies:
    """Replies being typed, by chat and technician."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock

    async def put(
        self,
        chat_id: int,
        user_id: int,
        *,
        ticket_id: int,
        reference: str,
        ask: bool,
        name: str,
        seconds: float,
    ) -> Pending:
        """Await this technician's reply for ``seconds`` (replacing an earlier press)."""
        token = secrets.token_hex(8)
        expires = self._clock.now() + timedelta(seconds=seconds)
        async with self._sessionmaker() as session:
            await session.execute(
                delete(PendingReply).where(
                    PendingReply.chat_id == chat_id, PendingReply.user_id == user_id
                )
            )
            session.add(
                PendingReply(
                    chat_id=chat_id,
                    user_id=user_id,
                    ticket_id=ticket_id,
                    reference=reference[:20],
                    ask=ask,
                    name=name[:100],
                    expires_at=expires,
                    token=token,
                )
            )
            await session.commit()
        return Pending(ticket_id, reference, ask, name, token)

    async def get(self, chat_id: int, user_id: int) -> Pending | None:
        """The reply awaited from this technician in this chat, unless expired."""
        async with self._sessionmaker() as session:
            row = await session.scalar(
                select(PendingReply).where(
                    PendingReply.chat_id == chat_id, PendingReply.user_id == user_id
                )
            )
        if row is None:
            return None
        if row.expires_at <= self._clock.now():
            await self.drop(chat_id, user_id, row.token)
            return None
        return Pending(row.ticket_id, row.reference, row.ask, row.name, row.token, row.prompt_id)

    async def set_prompt(self, chat_id: int, user_id: int, prompt_id: int) -> None:
        """The group prompt was sent: the reply must answer this message."""
        await execute_write(
            self._sessionmaker,
            update(PendingReply)
            .where(PendingReply.chat_id == chat_id, PendingReply.user_id == user_id)
            .values(prompt_id=prompt_id),
        )

    async def drop(self, chat_id: int, user_id: int, token: str | None = None) -> bool:
        """Stop awaiting (only this press, with ``token``: a newer one stays)."""
        stmt = delete(PendingReply).where(
            PendingReply.chat_id == chat_id, PendingReply.user_id == user_id
        )
        if token is not None:
            stmt = stmt.where(PendingReply.token == token)
        return await execute_write(self._sessionmaker, stmt) > 0
