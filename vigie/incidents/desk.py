"""The buttons of incidents, pressed in Telegram: « Je m’en occupe » and the director's answer
on the personal-data breach.

The ticket desk (:class:`vigie.tickets.desk.Desk`) routes every ``v:inc:…`` button here, from
a private chat or the technicians' group:

- ``v:inc:t:<id>``: :meth:`IncidentService.acknowledge`; the first press wins, a later one is
  told « Déjà pris par X »; the reporter and the others paged are told by the domain (queued);
- ``v:inc:c:<id>``: :meth:`IncidentService.close` (the holder or a technician), the reporter
  is told (queued);
- ``v:inc:b:<id>:<notifiee|pas_necessaire|dpo>``: :meth:`IncidentService.answer_breach`; the
  72-hour reminders stop.

Who may press is the service's decision (technicians, and the facility's active referents);
its refusal is answered in French. Nothing here talks to Telegram: each method returns a
:class:`DeskReply`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from vigie.core.callbacks import Callback
from vigie.core.desk import DeskReply, Kickable
from vigie.core.messages import OutgoingMessage
from vigie.incidents import texts
from vigie.incidents.service import IncidentError, IncidentService
from vigie.incidents.vocabulary import BREACH_ANSWERS

logger = logging.getLogger(__name__)


def _incident_id(value: str) -> int | None:
    return int(value) if value.isdecimal() and len(value) <= 18 else None


class IncidentDesk:
    """Handles the ``v:inc:…`` buttons."""

    def __init__(
        self,
        *,
        incidents: IncidentService,
        dispatcher: Kickable,
        sender_of: Callable[[int], str],
    ) -> None:
        self._incidents = incidents
        self._dispatcher = dispatcher
        self._sender_of = sender_of

    async def open_list(self) -> OutgoingMessage | None:
        """The incidents not closed yet (technicians' ``/tickets``), or None when none."""
        views = await self._incidents.list_open()
        return texts.open_incidents(views) if views else None

    async def callback(self, chat_id: int, user_id: int, pressed: Callback) -> DeskReply:
        """A ``v:inc:…`` button pressed by ``user_id`` (in a private chat or a group)."""
        code, *arguments = pressed.arguments or ("",)
        incident_id = _incident_id(arguments[0]) if arguments else None
        if incident_id is None:
            return DeskReply(toast=texts.refusal("expired"))
        sender = self._sender_of(user_id)
        try:
            if code == texts.TAKE_CODE and len(arguments) == 1:
                outcome = await self._incidents.acknowledge(incident_id, sender)
                self._dispatcher.kick()  # the reporter and the others paged are told
                return DeskReply([outcome.reply], close_buttons=True)
            if code == texts.CLOSE_CODE and len(arguments) == 1:
                view = await self._incidents.close(incident_id, sender)
                self._dispatcher.kick()  # the reporter is told
                return DeskReply([texts.closed_by_you(view)], close_buttons=True)
            if code == texts.BREACH_CODE and len(arguments) == 2:
                answer = arguments[1]
                if answer not in BREACH_ANSWERS:
                    return DeskReply(toast=texts.refusal("expired"))
                _, reply = await self._incidents.answer_breach(incident_id, sender, answer)
                return DeskReply([reply], close_buttons=True)
        except IncidentError as exc:
            logger.info("Incident button refused: %s", exc.code)
            return DeskReply(toast=texts.refusal(exc.code))
        return DeskReply(toast=texts.refusal("expired"))
