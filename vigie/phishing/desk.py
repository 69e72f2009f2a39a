"""The technicians' side of suspicious e-mail reports: verdicts, staff warnings, ``/campagnes``.

The report message of a campaign carries the buttons Hameçonnage / Spam / Légitime /
Prévenir le personnel (callback data ``v:ph:…``, see :mod:`vigie.phishing.desk_texts`). The
desk (:class:`vigie.tickets.desk.Desk`) routes them here:

- ``v:ph:v:<campaign>:p|s|l``: the technician's verdict; the reporters not yet told get it
  (queued by the domain); the report keeps its buttons, for a later warning;
- ``v:ph:w:<campaign>``: whom to warn, with the number of people of each scope;
- ``v:ph:ws:<campaign>:f|a``: warn the staff of the campaign's facilities, or of all of them;
  the summary (how many received it) comes once the dispatcher has sent the whole batch;
- ``v:ph:x``: cancel that choice.

Like the ticket buttons, they work in a technician's private chat and in the technicians'
group, for active technicians only. Nothing here talks to Telegram: each method returns a
:class:`DeskReply`; the texts are the domain's (:mod:`vigie.phishing.desk_texts`).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from vigie.conversation import texts
from vigie.core.callbacks import Callback
from vigie.core.desk import DeskReply, Kickable
from vigie.core.messages import OutgoingMessage
from vigie.people.directory import Directory
from vigie.phishing import desk_texts
from vigie.phishing.addresses import AddressLinks
from vigie.phishing.service import PhishingError, PhishingService
from vigie.tickets import desk_texts as ticket_desk_texts

logger = logging.getLogger(__name__)

MAX_LISTED_CAMPAIGNS = 10


def _campaign_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


class PhishingDesk:
    """Handles the technicians' ``v:ph:…`` buttons and the ``/campagnes`` command."""

    def __init__(
        self,
        *,
        phishing: PhishingService,
        dispatcher: Kickable,
        sender_of: Callable[[int], str],
        directory: Directory,
        addresses: AddressLinks | None = None,
    ) -> None:
        self._phishing = phishing
        self._addresses = addresses
        self._directory = directory
        self._dispatcher = dispatcher
        self._sender_of = sender_of

    async def _is_technician(self, user_id: int) -> bool:
        return await self._directory.is_technician(self._sender_of(user_id))

    async def _refused(self, error: PhishingError, campaign_id: int) -> DeskReply:
        """A refusal of the domain as a clear answer (the pressed choice is closed when it
        can no longer be used)."""
        logger.info("Phishing desk action refused: %s", error.code)
        if error.code == "not_technician":
            return DeskReply(toast=ticket_desk_texts.TECHNICIANS_ONLY)
        if error.code == "bad_value":
            return DeskReply(toast=texts.BUTTON_EXPIRED)
        if error.code == "already_warned":  # when, and what is left to do
            reply = await self._warn_choice(campaign_id)
            reply.close_buttons = True
            return reply
        if error.code in ("nobody", "judged_legit"):
            message = OutgoingMessage(html.escape(desk_texts.error_text(error.code)))
            return DeskReply([message], close_buttons=True)
        return DeskReply(toast=desk_texts.error_text(error.code))

    # -- buttons ---------------------------------------------------------------------------

    async def callback(self, chat_id: int, user_id: int, pressed: Callback) -> DeskReply:
        """A ``v:ph:…`` button pressed by ``user_id`` in ``chat_id`` (private or group)."""
        action, *arguments = pressed.arguments or ("",)
        if not await self._is_technician(user_id):
            return DeskReply(toast=ticket_desk_texts.TECHNICIANS_ONLY)
        if action == "x" and not arguments:
            return DeskReply(toast=desk_texts.warn_cancelled(), close_buttons=True)
        campaign_id = _campaign_id(arguments[0]) if arguments else None
        if campaign_id is None:
            return DeskReply(toast=texts.BUTTON_EXPIRED)
        code = arguments[1] if len(arguments) == 2 else None
        if action == "v" and code in desk_texts.VERDICT_CODES:
            return await self._verdict(user_id, campaign_id, desk_texts.VERDICT_CODES[code])
        if action == "w" and len(arguments) == 1:
            return await self._warn_choice(campaign_id)
        if action == "ws" and code in desk_texts.SCOPE_CODES:
            return await self._warn(user_id, campaign_id, desk_texts.SCOPE_CODES[code])
        return DeskReply(toast=texts.BUTTON_EXPIRED)

    async def _verdict(self, user_id: int, campaign_id: int, verdict: str) -> DeskReply:
        """Record the verdict; the reporters not yet told get it. The report's buttons stay
        (« Prévenir le personnel »; a verdict can be changed)."""
        try:
            campaign, told = await self._phishing.set_verdict(
                self._sender_of(user_id), campaign_id, verdict
            )
        except PhishingError as exc:
            return await self._refused(exc, campaign_id)
        self._dispatcher.kick()
        message = desk_texts.technician_verdict_recorded(campaign, told, campaign.verdict_by)
        return DeskReply([message], toast=desk_texts.verdict_toast(verdict, told))

    async def _warn_choice(self, campaign_id: int) -> DeskReply:
        """Whom to warn (the campaign's facilities or all, with their numbers of people),
        or why nobody is left to warn."""
        campaign = await self._phishing.campaign(campaign_id)
        if campaign is None:
            return DeskReply(toast=desk_texts.error_text("not_found"))
        if campaign.verdict == "legit":
            return DeskReply([OutgoingMessage(html.escape(desk_texts.error_text("judged_legit")))])
        targets = await self._phishing.warn_targets(campaign_id)
        return DeskReply([desk_texts.warn_scope_choice(campaign, targets)])

    async def _warn(self, user_id: int, campaign_id: int, scope: str) -> DeskReply:
        """Queue the warning to everyone in ``scope``; the choice's buttons go."""
        try:
            _, queued = await self._phishing.warn(self._sender_of(user_id), campaign_id, scope)
        except PhishingError as exc:
            return await self._refused(exc, campaign_id)
        self._dispatcher.kick()
        return DeskReply([desk_texts.warn_started(queued)], close_buttons=True)

    # -- /adresse (anyone registered) ----------------------------------------------------------

    async def address(self, user_id: int, argument: str) -> DeskReply:
        """``/adresse``: what it does; ``/adresse ADDRESS``: a code is e-mailed to it;
        ``/adresse CODE``: the address is linked; ``/adresse retirer``: it is forgotten."""
        if self._addresses is None:
            return DeskReply([OutgoingMessage(texts.fill(texts.UNKNOWN_COMMAND, {}))])
        outcome, answer = await self._addresses.handle(self._sender_of(user_id), argument)
        if outcome.result == "sent":
            self._dispatcher.kick()  # the code goes out now
        return DeskReply([OutgoingMessage(answer)])

    # -- /campagnes --------------------------------------------------------------------------

    async def list_campaigns(self, user_id: int) -> DeskReply:
        """``/campagnes``: the recent campaigns with their counts, verdict and warning."""
        if not await self._is_technician(user_id):
            return DeskReply([OutgoingMessage(texts.fill(ticket_desk_texts.TECHNICIANS_ONLY, {}))])
        campaigns = await self._phishing.recent_campaigns(MAX_LISTED_CAMPAIGNS)
        return DeskReply([desk_texts.campaign_list(campaigns)])


__all__ = ["PhishingDesk"]
