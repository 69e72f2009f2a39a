"""``/console`` in the chat: a one-time link to the follow-up console for the provider's
technicians and administrators and the facilities' referents; a polite no for everyone else."""

from __future__ import annotations

import html
from collections.abc import Callable

from vigie.console.access import AccessError, ConsoleAccess
from vigie.core.desk import DeskReply
from vigie.core.messages import OutgoingMessage
from vigie.core.typography import french_typography

LINK = (
    "<b>Console de suivi</b>\n"
    "Votre lien de connexion, valable {minutes} minutes et une seule fois :\n{url}\n"
    "Ne le transférez à personne : il ouvre la console à votre nom."
)
REFUSED = (
    "La console de suivi est réservée aux techniciens du prestataire et aux référents des "
    "établissements. Pour une question, écrivez-la-moi simplement ici."
)


class ConsoleDesk:
    """The ``/console`` command over the console's access service."""

    def __init__(
        self, access: ConsoleAccess, sender_of: Callable[[int], str], link_minutes: int
    ) -> None:
        self._access = access
        self._sender_of = sender_of
        self._minutes = link_minutes

    async def link(self, user_id: int) -> DeskReply:
        try:
            url = await self._access.create_link_for_sender(self._sender_of(user_id))
        except AccessError:
            return DeskReply([OutgoingMessage(french_typography(REFUSED))])
        text = french_typography(LINK).format(minutes=self._minutes, url=html.escape(url))
        return DeskReply([OutgoingMessage(text)])
