"""Ticket actions: opening a ticket with a form, following one, adding information.

Thin adapters over ``vigie.tickets.service`` and ``vigie.people.directory``; the database is opened on the
first call, once per action-server process (nothing happens at import time). The sender id
Rasa gives is the person's pseudonym, which is how people are found in the database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.actions import (
    ActionAnswerFaq,
    ActionHelpMenu,
    ActionIncidentReflexes,
    ActionLostDevice,
    ActionReportPhishing,
)
from vigie.core.hours import french_datetime, parse_hours
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.settings import get_settings
from vigie.db.base import utcnow
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory
from vigie.tickets import form as ticket_form
from vigie.tickets import texts as ticket_texts
from vigie.tickets.reference import find_reference
from vigie.tickets.service import TicketError, TicketService, derive_urgency
from vigie.tickets.views import TicketDraft, TicketView

logger = logging.getLogger(__name__)

DomainDict = dict[str, Any]

FORM_SLOTS = (
    "form_cancelled",
    "problem",
    "device",
    "scope",
    "care_impact",
    "ticket_field",
    "ticket_urgency",
    "ticket_confirmation",
)
FOLLOWUP_SLOTS = ("followup_ref", "followup_text", "form_cancelled")
BASE_SLOTS = ["problem", "device", "scope", "care_impact"]
CHOICE_ENTITY = "choice"
REF_ENTITY = "ticket_ref"
MAX_TICKETS_SHOWN = 5
SIDE_QUESTION_CONFIDENCE = 0.5
PROBLEM_QUESTION_CONFIDENCE = 0.6
# « Annuler » (button) always cancels a form; a typed message only when it is short and
# clearly a cancellation (« on arrete les soins » describes a problem, it cancels nothing).
CANCEL_INTENT = "cancel"
CANCEL_SHORT_WORDS, CANCEL_SHORT_CONFIDENCE = 2, 0.5
CANCEL_MAX_WORDS, CANCEL_CONFIDENCE = 6, 0.8
# An emergency written instead of an answer gets its reflexes first, whatever it contains.
URGENT_INTENTS = frozenset({"declare_incident", "lost_device"})
URGENT_CONFIDENCE = 0.6
# Sent by the bot when a suspicious e-mail was analysed (see actions/phishing.py).
EMAIL_INTENT = "email_received"
# A question asked in the middle of the form is answered by the action that answers it
# outside the form; the form then asks its question again.
SIDE_ACTIONS: dict[str, type[Action]] = {
    "faq": ActionAnswerFaq,
    "declare_incident": ActionIncidentReflexes,
    "lost_device": ActionLostDevice,
    "report_phishing": ActionReportPhishing,
    "help": ActionHelpMenu,
}


@dataclass
class _Store:
    directory: Directory
    tickets: TicketService
    sessions: async_sessionmaker[AsyncSession]


_store: dict[str, _Store] = {}
_store_lock = asyncio.Lock()


async def store() -> _Store:
    """The database, opened (and migrated) on first use in this process."""
    async with _store_lock:
        if "store" not in _store:
            settings = get_settings()
            try:
                await asyncio.to_thread(upgrade, settings.database_url)
            except Exception:  # the bot migrates too; a failure here must not stop actions
                logger.exception("Database migration from the action server failed")
            sessions = make_sessionmaker(create_engine(settings.database_url))
            _store["store"] = _Store(
                Directory(sessions), TicketService(sessions, settings), sessions
            )
        return _store["store"]


def _send(dispatcher: CollectingDispatcher, *messages: OutgoingMessage) -> None:
    for message in messages:
        dispatcher.utter_message(json_message=message.to_custom())


def _contacts() -> dict[str, str]:
    return get_settings().contacts()


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name:
            value = entity.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def _add_info_button(reference: str) -> Button:
    payload = '/add_info{"ticket_ref":"' + reference + '"}'
    return Button(f"Ajouter une information ({reference})", payload)


def _reset(names: tuple[str, ...]) -> list[EventType]:
    return [SlotSet(name, None) for name in names]


async def _answer_side_question(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    threshold: float = SIDE_QUESTION_CONFIDENCE,
) -> bool:
    """Answer a question asked instead of a form answer; True when one was answered."""
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    if name == "bot_challenge" and confidence >= threshold:
        dispatcher.utter_message(response="utter_iamabot")
        return True
    action = SIDE_ACTIONS.get(str(name))
    if name == "ticket_status":
        action = ActionTicketStatus
    elif name == EMAIL_INTENT:
        # An e-mail sent to Vigie during a form: its verdict now (the questions about it
        # would need the form in progress to stop). Imported here: actions.phishing uses
        # this module.
        from actions.phishing import ActionPhishingVerdict

        action = ActionPhishingVerdict
    if action is None or confidence < threshold:
        return False
    result = action().run(dispatcher, tracker, domain)
    if asyncio.iscoroutine(result):
        await result
    return True


def wants_to_cancel(message: dict[str, Any]) -> bool:
    """The message cancels the form in progress: the button, or a short clear « annuler »."""
    intent = message.get("intent") or {}
    if intent.get("name") != CANCEL_INTENT:
        return False
    text = (message.get("text") or "").strip()
    if text.startswith("/"):
        return True
    words = len(text.split())
    confidence = intent.get("confidence") or 0.0
    return (words <= CANCEL_SHORT_WORDS and confidence >= CANCEL_SHORT_CONFIDENCE) or (
        words <= CANCEL_MAX_WORDS and confidence >= CANCEL_CONFIDENCE
    )


def _cancelled() -> list[EventType]:
    """Stop the form: its submit action then says that nothing was sent."""
    return [SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]


def _is_urgent(tracker: Tracker) -> bool:
    """The message is an incident or a lost device, recognised with confidence."""
    intent = tracker.latest_message.get("intent") or {}
    confidence = intent.get("confidence") or 0.0
    return intent.get("name") in URGENT_INTENTS and confidence >= URGENT_CONFIDENCE


# ----------------------------------------------------------------------- opening a ticket


class ActionStartTicket(Action):  # type: ignore[misc]
    """Check that the person is registered, then start a fresh form."""

    def name(self) -> str:
        return "action_start_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            person = await (await store()).directory.person_by_sender(tracker.sender_id)
        except Exception:
            logger.exception("Directory unavailable")
            dispatcher.utter_message(response="utter_ticket_unavailable", **_contacts())
            return [SlotSet("ticket_allowed", False)]
        if person is None or person.facility_id is None or not person.active:
            dispatcher.utter_message(response="utter_ticket_not_registered", **_contacts())
            return [SlotSet("ticket_allowed", False)]
        return [
            *_reset(FORM_SLOTS),
            SlotSet("ticket_draft", uuid.uuid4().hex),
            SlotSet("ticket_allowed", True),
        ]


class _CancellableForm:
    """Mixin of the forms' validation: a clear « annuler » stops the form before any answer
    is read. A mixin, not an ``Action``: the action server registers every subclass of
    ``Action``, and this one has no name of its own."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if wants_to_cancel(tracker.latest_message):
            return _cancelled()
        events: list[EventType] = await super().run(  # type: ignore[misc]
            dispatcher, tracker, domain
        )
        return events


class ValidateOpenTicketForm(_CancellableForm, FormValidationAction):  # type: ignore[misc]
    """Understand each answer; answer side questions; handle « Modifier »."""

    def name(self) -> str:
        return "validate_open_ticket_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = list(BASE_SLOTS)
        if tracker.get_slot("ticket_confirmation") == "modify":
            slots.append("ticket_field")
            if tracker.get_slot("ticket_field") == "urgency":
                slots.append("ticket_urgency")
        slots.append("ticket_confirmation")
        return slots

    async def _choice(
        self,
        value: Any,
        parse: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None  # a slot reset, not an answer: nothing to say
        button = _entity(tracker, CHOICE_ENTITY)
        if button is None and _is_urgent(tracker):
            await _answer_side_question(dispatcher, tracker, domain, URGENT_CONFIDENCE)
            return None
        code: str | None = parse(value, button)
        if code is not None:
            return code
        if not await _answer_side_question(dispatcher, tracker, domain):
            dispatcher.utter_message(response="utter_ticket_not_understood")
        return None

    async def validate_problem(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip():
            return {"problem": None}  # a slot reset, not an answer
        text = value
        if _is_urgent(tracker):
            # The reflexes first; the message also describes the problem: keep it.
            await _answer_side_question(dispatcher, tracker, domain, URGENT_CONFIDENCE)
            return {"problem": ticket_form.parse_problem(text)}
        if text.rstrip().endswith("?") and await _answer_side_question(
            dispatcher, tracker, domain, PROBLEM_QUESTION_CONFIDENCE
        ):
            return {"problem": None}
        problem = ticket_form.parse_problem(text)
        if problem is None and not await _answer_side_question(dispatcher, tracker, domain):
            dispatcher.utter_message(response="utter_problem_too_short")
        return {"problem": problem}

    async def validate_device(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = await self._choice(value, ticket_form.parse_device, dispatcher, tracker, domain)
        return {"device": code}

    async def validate_scope(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = await self._choice(value, ticket_form.parse_scope, dispatcher, tracker, domain)
        return {"scope": code}

    async def validate_care_impact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = await self._choice(value, ticket_form.parse_care_impact, dispatcher, tracker, domain)
        return {"care_impact": code}

    async def validate_ticket_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        field = await self._choice(value, ticket_form.parse_field, dispatcher, tracker, domain)
        if field is None:
            return {"ticket_field": None}
        if field == "urgency":
            return {"ticket_field": "urgency", "ticket_urgency": None}
        # Forget the answer to change: the form asks it again, then shows the summary.
        return {field: None, "ticket_field": None, "ticket_confirmation": None}

    async def validate_ticket_urgency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        urgency = await self._choice(value, ticket_form.parse_urgency, dispatcher, tracker, domain)
        if urgency is None:
            return {"ticket_urgency": None}
        return {"ticket_urgency": urgency, "ticket_field": None, "ticket_confirmation": None}

    async def validate_ticket_confirmation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = await self._choice(
            value,
            ticket_form.parse_confirmation,
            dispatcher,
            tracker,
            domain,
        )
        if answer == "modify":
            return {"ticket_confirmation": "modify", "ticket_field": None}
        return {"ticket_confirmation": answer}


def _draft(tracker: Tracker) -> TicketDraft:
    device, scope, care = (
        str(tracker.get_slot("device")),
        str(tracker.get_slot("scope")),
        str(tracker.get_slot("care_impact")),
    )
    return TicketDraft(
        problem=str(tracker.get_slot("problem")),
        device=device,
        scope=scope,
        care_impact=care,
        urgency=tracker.get_slot("ticket_urgency") or None,
    )


class ActionAskTicketConfirmation(Action):  # type: ignore[misc]
    """The summary, with the derived (or corrected) urgency: Confirmer / Modifier / Annuler."""

    def name(self) -> str:
        return "action_ask_ticket_confirmation"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        draft = _draft(tracker)
        urgency = draft.urgency or derive_urgency(draft.device, draft.scope, draft.care_impact)
        dispatcher.utter_message(
            response="utter_ticket_summary",
            problem=draft.problem,
            device=ticket_texts.DEVICE_LABELS.get(draft.device, draft.device),
            scope=ticket_texts.SCOPE_LABELS.get(draft.scope, draft.scope),
            care_impact=ticket_texts.CARE_LABELS.get(draft.care_impact, draft.care_impact),
            urgency=ticket_texts.URGENCY_LABELS.get(urgency, urgency),
        )
        return []


def _after_hours(dispatcher: CollectingDispatcher, view: TicketView) -> None:
    """Outside the provider's hours: when a technician will read it, and the on-call number."""
    try:
        schedule = parse_hours(view.facility_hours)
    except ValueError:
        logger.warning("Facility %s has unreadable hours", view.facility_id)
        return
    now = utcnow()
    if schedule.is_open(now, view.facility_timezone):
        return
    opening = schedule.next_opening(now, view.facility_timezone)
    dispatcher.utter_message(
        response="utter_ticket_after_hours",
        hours=schedule.describe(),
        when=french_datetime(opening, view.facility_timezone),
        oncall=get_settings().provider_oncall,
    )


class ActionCreateTicket(Action):  # type: ignore[misc]
    """Create the confirmed ticket once (the draft id is the idempotency key)."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [*_reset(FORM_SLOTS), SlotSet("ticket_draft", None)]
        if tracker.get_slot("form_cancelled"):
            dispatcher.utter_message(response="utter_form_cancelled")
            return reset
        key = tracker.get_slot("ticket_draft")
        if tracker.get_slot("ticket_confirmation") != "confirm" or not key:
            return reset
        try:
            view, created = await (await store()).tickets.create(
                tracker.sender_id, _draft(tracker), idempotency_key=str(key)
            )
        except TicketError as exc:
            logger.info("Ticket refused: %s", exc.code)
            dispatcher.utter_message(response="utter_ticket_not_registered", **_contacts())
            return reset
        except Exception:
            logger.exception("Ticket could not be stored")
            dispatcher.utter_message(response="utter_ticket_unavailable", **_contacts())
            return reset
        logger.info("Ticket %s %s", view.reference, "created" if created else "already created")
        dispatcher.utter_message(response="utter_ticket_created", reference=view.reference)
        _after_hours(dispatcher, view)
        return reset


# ---------------------------------------------------------------------- following tickets


class ActionTicketStatus(Action):  # type: ignore[misc]
    """The person's tickets in plain French, or the one whose reference they gave."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        sender = tracker.sender_id
        reference = _entity(tracker, REF_ENTITY) or find_reference(
            tracker.latest_message.get("text") or ""
        )
        try:
            s = await store()
            person = await s.directory.person_by_sender(sender)
            if person is None or person.facility_id is None or not person.active:
                dispatcher.utter_message(response="utter_ticket_not_registered", **_contacts())
                return []
            if reference is not None:
                found = await s.tickets.for_requester(sender, reference)
                if found is None:
                    dispatcher.utter_message(
                        response="utter_ticket_ref_unknown", reference=reference
                    )
                    return []
                views = [found]
            else:
                views = await s.tickets.open_for_requester(sender)
        except Exception:
            logger.exception("Tickets unavailable")
            dispatcher.utter_message(response="utter_ticket_unavailable", **_contacts())
            return []
        if not views:
            dispatcher.utter_message(response="utter_no_open_ticket")
            return []
        shown = views[:MAX_TICKETS_SHOWN]
        message = ticket_texts.staff_status_list(shown)
        buttons = tuple(_add_info_button(v.reference) for v in shown if v.status != "closed")
        _send(dispatcher, OutgoingMessage(message.html, message.buttons + buttons))
        return []


class ActionStartFollowup(Action):  # type: ignore[misc]
    """Choose the ticket the information is for: given, the only open one, or ask."""

    def name(self) -> str:
        return "action_start_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        sender = tracker.sender_id
        denied: list[EventType] = [SlotSet("followup_allowed", False), *_reset(FOLLOWUP_SLOTS)]
        reference = _entity(tracker, REF_ENTITY) or find_reference(
            tracker.latest_message.get("text") or ""
        )
        try:
            s = await store()
            person = await s.directory.person_by_sender(sender)
            if person is None or person.facility_id is None or not person.active:
                dispatcher.utter_message(response="utter_ticket_not_registered", **_contacts())
                return denied
            if reference is not None:
                found = await s.tickets.for_requester(sender, reference)
                if found is None:
                    dispatcher.utter_message(
                        response="utter_ticket_ref_unknown", reference=reference
                    )
                    return denied
                if found.status == "closed":
                    dispatcher.utter_message(response="utter_ticket_closed", reference=reference)
                    return denied
                chosen = found.reference
            else:
                views = [
                    v for v in await s.tickets.open_for_requester(sender) if v.status != "closed"
                ]
                if not views:
                    dispatcher.utter_message(response="utter_no_open_ticket")
                    return denied
                if len(views) > 1:
                    dispatcher.utter_message(
                        response="utter_choose_ticket",
                        buttons=[
                            _add_info_button(v.reference).to_dict()
                            for v in views[:MAX_TICKETS_SHOWN]
                        ],
                    )
                    return denied
                chosen = views[0].reference
        except Exception:
            logger.exception("Tickets unavailable")
            dispatcher.utter_message(response="utter_ticket_unavailable", **_contacts())
            return denied
        return [
            SlotSet("followup_text", None),
            SlotSet("followup_ref", chosen),
            SlotSet("followup_allowed", True),
        ]


class ValidateFollowupForm(_CancellableForm, FormValidationAction):  # type: ignore[misc]
    """The information must say something."""

    def name(self) -> str:
        return "validate_followup_form"

    async def validate_followup_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip():
            return {"followup_text": None}  # a slot reset, not an answer
        text = ticket_form.parse_problem(value)
        if text is None:
            dispatcher.utter_message(response="utter_problem_too_short")
        return {"followup_text": text}


class ActionAddFollowup(Action):  # type: ignore[misc]
    """Add the information to the ticket; the technicians are told through the outbox."""

    def name(self) -> str:
        return "action_add_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reference = str(tracker.get_slot("followup_ref") or "")
        text = str(tracker.get_slot("followup_text") or "")
        reset = _reset(FOLLOWUP_SLOTS)
        if tracker.get_slot("form_cancelled"):
            dispatcher.utter_message(response="utter_form_cancelled")
            return reset
        if not reference or not text:
            return reset
        try:
            view = await (await store()).tickets.add_info(tracker.sender_id, reference, text)
        except TicketError:
            dispatcher.utter_message(response="utter_ticket_ref_unknown", reference=reference)
            return reset
        except Exception:
            logger.exception("Follow-up could not be stored")
            dispatcher.utter_message(response="utter_ticket_unavailable", **_contacts())
            return reset
        dispatcher.utter_message(response="utter_followup_added", reference=view.reference)
        _after_hours(dispatcher, view)
        return reset
