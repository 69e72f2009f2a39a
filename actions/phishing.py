"""Suspicious e-mail actions: the verdict, what the person did with the e-mail, the reflexes.

The bot analyses and stores a reported e-mail, then sends Rasa
``/email_received{"phishing_report":"<id>"}``. ``action_phishing_verdict`` shows the verdict
and the ``phishing_form`` asks what the person did (a second question after « J’ai cliqué »);
``action_phishing_reflexes`` gives the reflexes, opens an urgent ticket when needed and
records the answer, which sends the report to the technicians (``vigie.phishing.service``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tickets import (
    CHOICE_ENTITY,
    PROBLEM_QUESTION_CONFIDENCE,
    _after_hours,
    _answer_side_question,
    _CancellableForm,
    _cancelled,
    _contacts,
    _entity,
    _reset,
    _send,
    store,
)
from vigie.core.channels import CHAT_CHANNELS
from vigie.core.settings import get_settings
from vigie.phishing import form as phishing_form
from vigie.phishing import texts as phishing_texts
from vigie.phishing.service import PhishingService
from vigie.phishing.views import ReportView
from vigie.tickets.service import TicketError
from vigie.tickets.views import TicketDraft, TicketView

logger = logging.getLogger(__name__)

DomainDict = dict[str, Any]

EMAIL_INTENT = "email_received"
REPORT_ENTITY = REPORT_SLOT = "phishing_report"
FORM_SLOTS = ("mail_action", "link_asked", "form_cancelled")
CLICKED = ("clicked", "clicked_asked")
# Questions asked instead of an answer: answered first, then the form asks again.
QUESTION_INTENTS = frozenset({"faq", "help", "bot_challenge", "ticket_status"})
# « J’ai reçu un mail bizarre » mid-form would ask for the e-mail again: not an answer.
NOT_SIDE_INTENTS = frozenset({"report_phishing"})
# What each answer needs: (urgency, device, care impact) of the urgent ticket.
URGENT_TICKETS: dict[str, tuple[str, str, str]] = {
    "credentials": ("critical", "email", "yes"),
    "clicked_asked": ("high", "email", "yes"),
    "attachment": ("critical", "workstation", "degraded"),
    "replied": ("normal", "email", "yes"),  # "high" when the e-mail asks for a payment
}


async def phishing_service() -> PhishingService:
    """The suspicious e-mail reports, on the action server's database."""
    return PhishingService((await store()).sessions, get_settings())


def input_channel(tracker: Tracker) -> str | None:
    """The chat channel the person writes from: the bot's metadata (``{"channel": …}``), else
    the channel Rasa recorded."""
    metadata = tracker.latest_message.get("metadata")
    if not isinstance(metadata, dict):
        users = [e for e in tracker.events if e.get("event") == "user"]
        metadata = users[-1].get("metadata") if users else None
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    if channel not in CHAT_CHANNELS:
        channel = tracker.get_latest_input_channel()
    return str(channel) if channel in CHAT_CHANNELS else None


async def expect_email(tracker: Tracker) -> None:
    """Record that the person is about to send the e-mail to check; never raises.

    Rasa does not know the chat id: the registered person's own is used, else 0 (the bot
    only needs the sender to know that an e-mail is expected).
    """
    try:
        s = await store()
        person = await s.directory.person_by_sender(tracker.sender_id)
        channel = input_channel(tracker) or (person.channel if person else "telegram")
        chat_id = person.chat_id if person is not None and person.channel == channel else 0
        await PhishingService(s.sessions, get_settings()).expect(
            tracker.sender_id, channel, chat_id
        )
    except Exception:
        logger.exception("The expected e-mail could not be recorded")


def report_id(tracker: Tracker) -> int | None:
    """The report the conversation is about: the payload's entity, else the slot."""
    value = _entity(tracker, REPORT_ENTITY) or tracker.get_slot(REPORT_SLOT)
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) <= 18 else None


def _intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


async def show_verdict(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Send the verdict of the report in one message; False (explained) when not found."""
    contacts = _contacts()
    identifier = report_id(tracker)
    view: ReportView | None = None
    if identifier is not None:
        try:
            view = await (await phishing_service()).get_for_reporter(tracker.sender_id, identifier)
        except Exception:
            logger.exception("Phishing report %s unavailable", identifier)
            _send(dispatcher, phishing_texts.message(phishing_texts.UNAVAILABLE, contacts))
            return False
    if view is None:
        logger.info("Phishing report %s not found for this sender", identifier)
        _send(dispatcher, phishing_texts.message(phishing_texts.NOT_FOUND, contacts))
        return False
    message = phishing_texts.verdict_message(
        verdict=view.verdict,
        reasons=view.reasons,
        subject=view.subject,
        truncated=view.truncated,
        contacts=contacts,
    )
    _send(dispatcher, message)
    return True


class ActionPhishingVerdict(Action):  # type: ignore[misc]
    """The verdict of a reported e-mail; the form then asks what the person did."""

    def name(self) -> str:
        return "action_phishing_verdict"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        found = await show_verdict(dispatcher, tracker)
        identifier = report_id(tracker)
        return [
            *_reset(FORM_SLOTS),
            SlotSet(REPORT_SLOT, str(identifier) if found else None),
            SlotSet("phishing_found", found),
        ]


class ActionAskMailAction(Action):  # type: ignore[misc]
    """« Qu’avez-vous fait avec ce mail ? » with its buttons."""

    def name(self) -> str:
        return "action_ask_mail_action"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _send(dispatcher, phishing_texts.mail_action_question())
        return []


class ActionAskLinkAsked(Action):  # type: ignore[misc]
    """After a click: did the page ask for something? Oui / Non."""

    def name(self) -> str:
        return "action_ask_link_asked"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _send(dispatcher, phishing_texts.link_question())
        return []


def _answering(tracker: Tracker) -> bool:
    """The latest message answers a question of the form (at its activation, the latest
    message is still the e-mail whose verdict was just given)."""
    return tracker.latest_action_name == "action_listen" and tracker.get_slot("requested_slot") in (
        "mail_action",
        "link_asked",
    )


class ValidatePhishingForm(_CancellableForm, FormValidationAction):  # type: ignore[misc]
    """Understand the answers; answer side questions; a new e-mail restarts the questions."""

    def name(self) -> str:
        return "validate_phishing_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _intent(tracker)[0] == EMAIL_INTENT and _answering(tracker):
            # Another e-mail sent instead of an answer: its verdict, then the same questions
            # about it (the report slot already holds its id).
            if not await show_verdict(dispatcher, tracker):
                return _cancelled()
            return [
                *_reset(("mail_action", "link_asked")),
                SlotSet("requested_slot", "mail_action"),
            ]
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("mail_action") in CLICKED:
            return ["mail_action", "link_asked"]
        return ["mail_action"]

    async def _answer(
        self,
        value: Any,
        parse: Callable[[str, str | None], str | None],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None  # a slot reset, not an answer: nothing to say
        button = _entity(tracker, CHOICE_ENTITY)
        name, confidence = _intent(tracker)
        if (
            button is None
            and value.rstrip().endswith("?")
            and name in QUESTION_INTENTS
            and confidence >= PROBLEM_QUESTION_CONFIDENCE
            and await _answer_side_question(dispatcher, tracker, domain)
        ):
            return None
        code = parse(value, button)
        if code is not None:
            return code
        if name in NOT_SIDE_INTENTS or not await _answer_side_question(dispatcher, tracker, domain):
            _send(dispatcher, phishing_texts.message(phishing_texts.NOT_UNDERSTOOD, _contacts()))
        return None

    async def validate_mail_action(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = await self._answer(
            value, phishing_form.parse_mail_action, dispatcher, tracker, domain
        )
        if code == "clicked":
            return {"mail_action": code, "link_asked": None}
        return {"mail_action": code}

    async def validate_link_asked(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = await self._answer(value, phishing_form.parse_yes_no, dispatcher, tracker, domain)
        if answer is None:
            return {"link_asked": None}
        return {
            "link_asked": answer,
            "mail_action": "clicked_asked" if answer == "yes" else "clicked",
        }


def ticket_draft(action: str, view: ReportView) -> TicketDraft | None:
    """The urgent ticket an answer needs, or ``None``."""
    if action not in URGENT_TICKETS:
        return None
    urgency, device, care_impact = URGENT_TICKETS[action]
    if action == "replied" and view.asks_payment:
        urgency = "high"
    return TicketDraft(
        problem=phishing_texts.ticket_problem(action, view.id, asks_payment=view.asks_payment),
        device=device,
        scope="me",
        care_impact=care_impact,
        urgency=urgency,
    )


async def _open_ticket(
    sender: str, draft: TicketDraft, identifier: int
) -> tuple[TicketView | None, phishing_texts.Outcome]:
    """Open (once per report) the urgent ticket; the outcome to tell the person."""
    try:
        view, created = await (await store()).tickets.create(
            sender, draft, idempotency_key=f"phishing-{identifier}"
        )
    except TicketError as exc:
        logger.info("Phishing ticket refused: %s", exc.code)
        return None, "not_registered_urgent"
    except Exception:
        logger.exception("Phishing ticket could not be stored")
        return None, "ticket_failed"
    logger.info(
        "Ticket %s %s for a phishing report", view.reference, "created" if created else "found"
    )
    return view, "ticket"


class ActionPhishingReflexes(Action):  # type: ignore[misc]
    """The reflexes for what the person did; an urgent ticket if needed; the answer recorded."""

    def name(self) -> str:
        return "action_phishing_reflexes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = _reset(FORM_SLOTS)
        contacts = _contacts()
        if tracker.get_slot("form_cancelled"):
            _send(dispatcher, phishing_texts.message(phishing_texts.CANCELLED, contacts))
            return reset
        action = str(tracker.get_slot("mail_action") or "")
        identifier = report_id(tracker)
        if action not in phishing_texts.REFLEXES or identifier is None:
            return reset
        sender = tracker.sender_id
        try:
            service = await phishing_service()
            view = await service.get_for_reporter(sender, identifier)
        except Exception:
            logger.exception("Phishing report %s unavailable", identifier)
            view = None
        if view is None:
            # The reflexes never depend on the database.
            _send(dispatcher, phishing_texts.reflexes_message(
                action, verdict="douteux", outcome="failed", contacts=contacts
            ))  # fmt: skip
            return reset
        ticket: TicketView | None = None
        draft = ticket_draft(action, view)
        outcome: phishing_texts.Outcome = "reported" if view.registered else "not_registered"
        if draft is not None:
            ticket, outcome = await _open_ticket(sender, draft, identifier)
        try:
            await service.record_action(
                sender, identifier, action, ticket_reference=ticket.reference if ticket else None
            )
        except Exception:
            logger.exception("Answer to phishing report %s not recorded", identifier)
            if outcome == "reported":
                outcome = "failed"
        _send(dispatcher, phishing_texts.reflexes_message(
            action,
            verdict=view.verdict,
            outcome=outcome,
            contacts=contacts,
            reference=ticket.reference if ticket else None,
        ))  # fmt: skip
        if ticket is not None:
            _after_hours(dispatcher, ticket)
        return reset
