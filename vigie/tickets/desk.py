"""The ticket desk of the Telegram front end: registration, technicians' commands and buttons.

Handled here, never by Rasa: ``/start CODE`` (joining a facility, then the job question),
``/tickets`` and ``/ticket REF`` (technicians only), the ``v:…`` buttons of notifications and
of the registration, and the technician's reply typed after Répondre / Demander une précision.
The buttons of suspicious e-mail reports (``v:ph:…``) and ``/campagnes`` are handled by the
phishing desk (:mod:`vigie.phishing.desk`), those of incidents (``v:inc:…``) by the incident
desk (:mod:`vigie.incidents.desk`).

The desk does not talk to Telegram: each method returns a :class:`DeskReply` that the
Application shows. The reply being typed is remembered in memory only, for 15 minutes: after a
restart the technician simply presses the button again.

In the technicians' group chat (any chat whose id is not the user's own), only the
technicians' buttons work, and the reply is awaited as a *reply to the prompt*: the prompt asks
for one (Telegram's ForceReply, for that technician only) and the front end reports its message
id with :meth:`Desk.prompt_sent`. This is what reaches a bot in privacy mode, and it keeps the
colleagues' chatter, or another technician's message, from ever being taken as the reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from vigie.awareness.desk import AwarenessDesk
from vigie.awareness.desk import offer_button as tips_offer_button
from vigie.awareness.diagnostics import Diagnostics
from vigie.awareness.quizzes import Quizzes
from vigie.awareness.service import Awareness
from vigie.awareness.texts import DIAGNOSTIC_ACTION, QUIZ_ACTION, TIPS_ACTION
from vigie.conversation import feedback as feedback_texts
from vigie.conversation import texts
from vigie.conversation.feedback import FEEDBACK_ACTION, Feedback
from vigie.core import callbacks
from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.desk import DeskReply, Kickable
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.redaction import redact
from vigie.core.settings import Settings
from vigie.core.typography import french_typography
from vigie.incidents.desk import IncidentDesk
from vigie.incidents.service import IncidentService
from vigie.incidents.texts import INCIDENT_ACTION
from vigie.people import texts as people_texts
from vigie.people.directory import Directory, DirectoryError, InvitationError, PersonView
from vigie.people.roles import DESK_ROLES, STAFF_ROLES, is_technician
from vigie.phishing.desk_texts import LESSON_ACTION, PHISHING_ACTION
from vigie.phishing.service import PhishingService
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets import texts as ticket_texts
from vigie.tickets.pending import Pending, PendingReplies
from vigie.tickets.service import TicketError, TicketService
from vigie.tickets.views import TicketView

if TYPE_CHECKING:
    from vigie.phishing.desk import PhishingDesk

logger = logging.getLogger(__name__)

PENDING_REPLY_SECONDS = 15 * 60
MAX_CODE_LENGTH = 64
MAX_LISTED_BUTTONS = 30
# Roles that may register outside Telegram (the local terminal chat): technicians work from
# Telegram only, where their notifications are sent.
TECHNICIAN_ACTIONS = frozenset({"take", "reply", "ask", "resolve", "show"})
STAFF_ACTIONS = frozenset({"fixed", "notfixed"})
CLOSED_STATUSES = frozenset({"closed"})


def _in_group(chat_id: int, user_id: int) -> bool:
    """Whether the chat is a group (a private chat's id is the user's id)."""
    return chat_id != user_id


def is_desk_callback(data: str) -> bool:
    """Whether a button's callback data belongs to the desk (never sent to Rasa)."""
    return callbacks.is_ours(data)


def technician_buttons(view: TicketView) -> tuple[Button, ...]:
    """The technician's buttons under a ticket (none once it is closed)."""
    if view.status in CLOSED_STATUSES:
        return ()
    return ticket_texts.technician_buttons(view.id)


def list_button(view: TicketView) -> Button:
    """A button of the ``/tickets`` list, opening the ticket."""
    urgency = ticket_texts.label(ticket_texts.URGENCY_LABELS, view.urgency)
    marker = ticket_texts.URGENCY_MARKERS.get(view.urgency, "")
    title = f"{marker}{view.reference} · {urgency} · {view.facility_name}"
    return Button(title[:64], callbacks.encode("show", view.id))


class Desk:
    """Registration and ticket handling on the Telegram side."""

    def __init__(
        self,
        *,
        directory: Directory,
        tickets: TicketService,
        settings: Settings,
        dispatcher: Kickable,
        sender_of: Callable[[int], str],
        reply_timeout: float = PENDING_REPLY_SECONDS,
        phishing: PhishingService | None = None,
        incidents: IncidentService | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        # Imported here: the phishing desk builds on this module's DeskReply.
        from vigie.phishing.addresses import AddressLinks
        from vigie.phishing.desk import PhishingDesk

        self._directory = directory
        self._reply_timeout = reply_timeout
        self._clock = clock  # expiry of the replies being typed
        self._tickets = tickets
        self._settings = settings
        self._dispatcher = dispatcher
        self._sender_of = sender_of
        self._contacts = settings.contacts()
        # The replies technicians are typing: in the database (several bot processes).
        self._pending = PendingReplies(tickets.sessionmaker, clock)
        # The tips of the week (/astuces): same database as the tickets.
        self._awareness = AwarenessDesk(
            Awareness(tickets.sessionmaker, settings, clock),
            sender_of,
            Quizzes(tickets.sessionmaker, settings, clock),
            Diagnostics(tickets.sessionmaker, settings, clock),
            provider=settings.provider_name,
            kick=dispatcher.kick,
        )
        # 👍 / 👎 under the knowledge base's answers: same database as the tickets.
        self._feedback = Feedback(tickets.sessionmaker, clock)
        # A 👎 just pressed, until its question's message id is known (prompt_sent).
        self._feedback_prompts: dict[tuple[int, int], int] = {}
        # Suspicious e-mail reports: same database as the tickets.
        self._phishing_service = phishing or PhishingService(tickets.sessionmaker, settings)
        self._phishing: PhishingDesk = PhishingDesk(
            phishing=self._phishing_service,
            dispatcher=dispatcher,
            sender_of=sender_of,
            directory=self._directory,
            addresses=AddressLinks(tickets.sessionmaker, settings),
        )
        # Incidents' buttons (« Je m’en occupe », the director's breach answer): same database.
        self._incidents = IncidentDesk(
            incidents=incidents or IncidentService(tickets.sessionmaker, settings, clock=clock),
            dispatcher=dispatcher,
            sender_of=sender_of,
        )

    # -- helpers -------------------------------------------------------------------------

    def _say(self, template: str, buttons: tuple[Button, ...] = (), **extra: object) -> DeskReply:
        return DeskReply([self._message(template, buttons, **extra)])

    def _message(
        self, template: str, buttons: tuple[Button, ...] = (), **extra: object
    ) -> OutgoingMessage:
        return OutgoingMessage(texts.fill(template, self._contacts, **extra), buttons)

    async def _technician(self, user_id: int) -> PersonView | None:
        person = await self._directory.person_by_sender(self._sender_of(user_id))
        if not is_technician(person):
            return None
        return person

    def _refused(self, error: TicketError, reference: str | None) -> DeskReply:
        if error.code == "not_allowed":
            return self._say(ticket_desk_texts.TECHNICIANS_ONLY)
        if error.code == "bad_state" and reference:
            return self._say(ticket_desk_texts.TICKET_BAD_STATE, reference=reference)
        return self._say(ticket_desk_texts.TICKET_NOT_FOUND)

    # -- registration --------------------------------------------------------------------

    async def register(
        self,
        chat_id: int,
        user_id: int,
        code: str,
        first_name: str | None = None,
        *,
        channel: str = "telegram",
    ) -> DeskReply:
        """``/start CODE``: join the invitation's facility (or the technicians, whose first
        name signs their messages to staff). Outside Telegram (``channel="terminal"``) only
        staff and referent codes are accepted."""
        code = code.strip()
        if not code or len(code) > MAX_CODE_LENGTH:
            return self._say(people_texts.INVITATION_ERRORS["unknown"])
        try:
            person = await self._directory.redeem_invitation(
                code,
                channel=channel,
                chat_id=chat_id,
                sender=self._sender_of(user_id),
                name=first_name,
                roles=None if channel == "telegram" else STAFF_ROLES,
            )
        except InvitationError as exc:
            logger.info("Invitation refused: %s", exc.reason)
            template = people_texts.INVITATION_ERRORS.get(
                exc.reason, people_texts.INVITATION_ERRORS["unknown"]
            )
            return self._say(template)
        logger.info("Person %s registered with role %s (%s)", person.id, person.role, channel)
        if person.role in DESK_ROLES:
            return self._say(people_texts.REGISTERED_TECHNICIAN)
        buttons = tuple(
            Button(title, callbacks.encode("job", job)) for title, job in people_texts.JOB_BUTTONS
        )
        return DeskReply(
            [
                self._message(texts.WELCOME),
                self._message(texts.PRIVACY, (), **self._settings.privacy_durations()),
                self._message(
                    people_texts.REGISTERED, buttons, facility=person.facility_name or ""
                ),
            ]
        )

    async def _choose_job(self, user_id: int, job: str) -> DeskReply:
        try:
            await self._directory.set_job(self._sender_of(user_id), job)
        except DirectoryError:  # not registered (any more)
            return DeskReply([self._message(people_texts.NOT_REGISTERED)], close_buttons=True)
        except ValueError:  # not a job
            return DeskReply(toast=texts.BUTTON_EXPIRED)
        label = {code: title for title, code in people_texts.JOB_BUTTONS}.get(job, job)
        chosen = self._message(people_texts.JOB_CHOSEN, job=label)
        # The tips of the week offered under it, before the menu (/astuces later on).
        chosen = OutgoingMessage(chosen.html, (tips_offer_button(),))
        return DeskReply([chosen], close_buttons=True, then_menu=True)

    async def tips(self, user_id: int) -> DeskReply:
        """``/astuces``: the tips of the week, on or off."""
        return await self._awareness.command(user_id)

    async def quiz(self, user_id: int) -> DeskReply:
        """``/quiz``: a micro-quiz of three questions."""
        return await self._awareness.quiz(user_id)

    async def diagnostic(self, user_id: int) -> DeskReply:
        """``/diagnostic``: the facility's self-diagnostic (referent, direction)."""
        return await self._awareness.diagnostic(user_id)

    # -- technicians' commands -----------------------------------------------------------

    async def list_tickets(self, user_id: int) -> DeskReply:
        """``/tickets``: the incidents not closed yet (if any), then the open tickets, most
        urgent first, each with a button."""
        if await self._technician(user_id) is None:
            return self._say(ticket_desk_texts.TECHNICIANS_ONLY)
        incidents = await self._incidents.open_list()
        first = [incidents] if incidents is not None else []
        views = await self._tickets.list_open()
        if not views:
            return DeskReply([*first, self._message(ticket_desk_texts.NO_OPEN_TICKETS)])
        buttons = tuple(list_button(view) for view in views[:MAX_LISTED_BUTTONS])
        tickets = OutgoingMessage(ticket_texts.technician_ticket_list(views), buttons)
        return DeskReply([*first, tickets])

    async def show_ticket(self, user_id: int, reference: str) -> DeskReply:
        """``/ticket REF``: one ticket with its timeline and the technician's buttons."""
        if await self._technician(user_id) is None:
            return self._say(ticket_desk_texts.TECHNICIANS_ONLY)
        reference = reference.strip().upper()
        if not reference:
            return self._say(ticket_desk_texts.TICKET_USAGE)
        view = await self._tickets.get(reference[:32])
        if view is None:
            return self._say(ticket_desk_texts.TICKET_UNKNOWN, reference=reference[:32])
        return await self._ticket_card(view)

    async def _ticket_card(self, view: TicketView) -> DeskReply:
        events = await self._tickets.timeline(view.id)
        body = ticket_texts.ticket_detail(view, events)
        return DeskReply([OutgoingMessage(body, technician_buttons(view))])

    async def address(self, user_id: int, argument: str) -> DeskReply:
        """``/adresse …``: link, confirm or forget the person's work e-mail address."""
        return await self._phishing.address(user_id, argument)

    async def list_campaigns(self, user_id: int) -> DeskReply:
        """``/campagnes``: the recent suspicious e-mail campaigns (technicians only)."""
        return await self._phishing.list_campaigns(user_id)

    # -- buttons ---------------------------------------------------------------------------

    async def callback(self, chat_id: int, user_id: int, data: str) -> DeskReply:
        """A ``v:ACTION:ARG`` button pressed by ``user_id`` in ``chat_id``."""
        pressed = callbacks.decode(data)
        if pressed is None:
            return DeskReply(toast=texts.BUTTON_EXPIRED)
        action, argument = pressed.action, pressed.argument
        if action == PHISHING_ACTION:  # technicians' buttons, private or group
            return await self._phishing.callback(chat_id, user_id, pressed)
        if action == INCIDENT_ACTION:  # pages and the director's answers, private or group
            return await self._incidents.callback(chat_id, user_id, pressed)
        if action == LESSON_ACTION:  # « Comment le reconnaître ? » under a staff warning
            lesson = (
                await self._phishing_service.lesson(self._sender_of(user_id), int(argument))
                if argument.isdigit()
                else None
            )
            if lesson is None:
                return DeskReply(toast=texts.BUTTON_EXPIRED)
            return DeskReply([lesson])
        if action == QUIZ_ACTION:  # a quiz's buttons: its owner only, in private
            if _in_group(chat_id, user_id):
                return DeskReply(toast=ticket_desk_texts.GROUP_BUTTON_UNAVAILABLE)
            return await self._awareness.quiz_callback(user_id, argument)
        if action == DIAGNOSTIC_ACTION:  # a self-diagnostic's answers: its owner, in private
            if _in_group(chat_id, user_id):
                return DeskReply(toast=ticket_desk_texts.GROUP_BUTTON_UNAVAILABLE)
            return await self._awareness.diagnostic_callback(user_id, argument)
        if action == TIPS_ACTION:  # opting in or out of the tips of the week
            if _in_group(chat_id, user_id):
                return DeskReply(toast=ticket_desk_texts.GROUP_BUTTON_UNAVAILABLE)
            return await self._awareness.callback(user_id, argument)
        if action == FEEDBACK_ACTION:  # 👍 / 👎 under an answer: its asker only
            if _in_group(chat_id, user_id):
                return DeskReply(toast=ticket_desk_texts.GROUP_BUTTON_UNAVAILABLE)
            toast, turn_id = await self._feedback.press(self._sender_of(user_id), argument)
            if turn_id is None:
                return DeskReply(toast=french_typography(toast))
            # 👎: what was missing, asked in a message to reply to (optional).
            self._feedback_prompts[(chat_id, user_id)] = turn_id
            question = OutgoingMessage(french_typography(feedback_texts.WHAT_WAS_MISSING))
            return DeskReply([question], toast=french_typography(toast), force_reply=True)
        group = _in_group(chat_id, user_id)
        if group and action not in TECHNICIAN_ACTIONS:
            return DeskReply(toast=ticket_desk_texts.GROUP_BUTTON_UNAVAILABLE)
        if action == "job":
            return await self._choose_job(user_id, argument)
        try:
            ticket_id = int(argument)
        except ValueError:
            return DeskReply(toast=texts.BUTTON_EXPIRED)
        if action in STAFF_ACTIONS:
            return await self._staff_answer(user_id, ticket_id, fixed=action == "fixed")
        if action not in TECHNICIAN_ACTIONS:
            return DeskReply(toast=texts.BUTTON_EXPIRED)
        technician = await self._technician(user_id)
        if technician is None:
            return DeskReply(toast=ticket_desk_texts.TECHNICIANS_ONLY)
        view = await self._tickets.get(ticket_id)
        if view is None:
            return DeskReply(toast=ticket_desk_texts.TICKET_NOT_FOUND)
        if action == "show":
            return await self._ticket_card(view)
        name = technician.name or ticket_desk_texts.TECHNICIAN_FALLBACK_NAME
        if action in ("reply", "ask"):
            pending = await self._pending.put(
                chat_id,
                user_id,
                ticket_id=view.id,
                reference=view.reference,
                ask=action == "ask",
                name=name,
                seconds=self._reply_timeout,
            )
            return self._prompt(pending, user_id, group=group)
        sender = self._sender_of(user_id)
        try:
            if action == "take":
                view = await self._tickets.take(sender, view.id)
            else:
                view = await self._tickets.resolve(sender, view.id)
        except TicketError as exc:
            return self._refused(exc, view.reference)
        self._dispatcher.kick()
        if group:
            template = (
                ticket_desk_texts.TAKEN_GROUP
                if action == "take"
                else ticket_desk_texts.RESOLVED_GROUP
            )
        else:
            template = ticket_desk_texts.TAKEN if action == "take" else ticket_desk_texts.RESOLVED
        return self._say(template, reference=view.reference, name=name)

    def _prompt(self, pending: Pending, user_id: int, *, group: bool) -> DeskReply:
        """Ask the technician to write the reply (in a group: as a reply to this prompt)."""
        if not group:
            template = (
                ticket_desk_texts.WRITE_QUESTION if pending.ask else ticket_desk_texts.WRITE_REPLY
            )
            return self._say(template, reference=pending.reference)
        template = (
            ticket_desk_texts.WRITE_QUESTION_GROUP
            if pending.ask
            else ticket_desk_texts.WRITE_REPLY_GROUP
        )
        message = self._message(
            template, reference=pending.reference, name=pending.name, user_id=user_id
        )
        return DeskReply([message], force_reply=True)

    async def prompt_sent(self, chat_id: int, user_id: int, message_id: int) -> None:
        """The front end sent the prompt of ``user_id`` (a group's reply prompt, or « Qu'est-ce
        qui manquait ? » after a 👎): their reply must answer it."""
        turn_id = self._feedback_prompts.pop((chat_id, user_id), None)
        if turn_id is not None:
            await self._feedback.prompt_sent(turn_id, message_id)
            return
        await self._pending.set_prompt(chat_id, user_id, message_id)

    async def _staff_answer(self, user_id: int, ticket_id: int, *, fixed: bool) -> DeskReply:
        """The requester's answer to "Est-ce réglé ?"; anyone else learns nothing."""
        sender = self._sender_of(user_id)
        try:
            if fixed:
                view = await self._tickets.confirm_fixed(sender, ticket_id)
            else:
                view = await self._tickets.reopen(sender, ticket_id)
        except TicketError as exc:
            logger.info("Staff answer refused: %s", exc.code)
            return DeskReply(toast=ticket_desk_texts.STAFF_REFUSED)
        self._dispatcher.kick()
        if fixed:
            return DeskReply([ticket_texts.staff_confirmed_reply(view)], close_buttons=True)
        return DeskReply([ticket_texts.staff_reopened_reply(view)], close_buttons=True)

    # -- the technician's reply ------------------------------------------------------------

    async def cancel(self, chat_id: int, user_id: int) -> DeskReply | None:
        """``/annuler``: forget the reply being typed; None when there was none."""
        pending = await self._pending.get(chat_id, user_id)
        if pending is None:
            return None
        await self._pending.drop(chat_id, user_id, pending.token)
        return self._say(ticket_desk_texts.REPLY_CANCELLED, reference=pending.reference)

    async def text(
        self, chat_id: int, user_id: int, text: str, *, reply_to: int | None = None
    ) -> DeskReply | None:
        """A written message: the awaited technician's reply, or None (for the pipeline).

        In a private chat the next message is the reply; in a group, only a message replying
        (``reply_to``: the replied message's id) to this technician's own prompt.
        """
        if reply_to is not None and not _in_group(chat_id, user_id):
            redacted = redact(text.strip()).text
            if redacted and await self._feedback.note(self._sender_of(user_id), reply_to, redacted):
                return DeskReply([OutgoingMessage(french_typography(feedback_texts.NOTE_THANKS))])
        pending = await self._pending.get(chat_id, user_id)
        if pending is None:
            return None
        group = _in_group(chat_id, user_id)
        if group and (pending.prompt_id is None or reply_to != pending.prompt_id):
            return None
        text = text.strip()
        if not text:
            return self._prompt(pending, user_id, group=group)
        if len(text) > self._settings.max_message_chars:
            return self._say(
                ticket_desk_texts.REPLY_TOO_LONG, limit=self._settings.max_message_chars
            )
        redaction = redact(text)
        try:
            view = await self._tickets.technician_message(
                self._sender_of(user_id), pending.ticket_id, redaction.text, ask=pending.ask
            )
        except TicketError as exc:  # refused for good: the reply cannot go
            await self._pending.drop(chat_id, user_id, pending.token)
            return self._refused(exc, pending.reference)
        # Only now: on another error (the database…) the reply is still awaited, and the
        # technician, told that it failed, simply sends it again. A newer press stays.
        await self._pending.drop(chat_id, user_id, pending.token)
        self._dispatcher.kick()
        if group:
            template = (
                ticket_desk_texts.QUESTION_SENT_GROUP
                if pending.ask
                else ticket_desk_texts.REPLY_SENT_GROUP
            )
        else:
            template = (
                ticket_desk_texts.QUESTION_SENT if pending.ask else ticket_desk_texts.REPLY_SENT
            )
        reply = self._say(template, reference=view.reference, name=pending.name)
        if redaction.found:
            what = texts.REDACTED_KINDS.get(redaction.found[0], texts.REDACTED_DEFAULT)
            reply.messages.append(self._message(ticket_desk_texts.REPLY_REDACTED, what=what))
        return reply


__all__ = ["Desk", "DeskReply", "is_desk_callback", "technician_buttons"]
