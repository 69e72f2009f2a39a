"""Ticket actions: opening a ticket with a form, following one, adding information.

Thin adapters over ``vigie.tickets`` (service, form, texts) and ``vigie.people.directory``,
on the database of :mod:`actions.common`. How a message is read during a form (cancelling,
emergencies, side questions) is decided by ``vigie.conversation.forms``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    CHOICE_ENTITY,
    INCIDENT_SWITCH,
    CancellableForm,
    DomainDict,
    after_hours,
    contacts,
    entity,
    incident_follows,
    may_declare,
    reset_slots,
    send,
    show_verdict,
    store,
    switch_to_incident,
)
from actions.faq import (
    ActionAnswerFaq,
    ActionHelpMenu,
    ActionIncidentReflexes,
    ActionLostDevice,
    ActionReportPhishing,
)
from vigie.conversation.forms import (
    EMAIL_INTENT,
    PROBLEM_QUESTION_CONFIDENCE,
    SIDE_QUESTION_CONFIDENCE,
    URGENT_CONFIDENCE,
    is_question,
    is_urgent,
    side_question,
    wants_to_cancel,
)
from vigie.people.directory import can_open_tickets
from vigie.tickets import form as ticket_form
from vigie.tickets import texts as ticket_texts
from vigie.tickets.reference import find_reference
from vigie.tickets.service import TicketError, draft_urgency
from vigie.tickets.views import TicketDraft

logger = logging.getLogger(__name__)

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
REF_ENTITY = "ticket_ref"

SideAnswer = Callable[[CollectingDispatcher, Tracker, DomainDict], Awaitable[Any]]


async def _bot_challenge(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> None:
    dispatcher.utter_message(response="utter_iamabot")


async def _run(
    action: type[Action], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> None:
    result = action().run(dispatcher, tracker, domain)
    if asyncio.iscoroutine(result):
        await result


def _by(action: type[Action]) -> SideAnswer:
    """Answer with ``action``, as outside the form (its events are not used)."""

    async def answer(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> None:
        await _run(action, dispatcher, tracker, domain)

    return answer


async def _verdict(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> None:
    # An e-mail sent to Vigie during a form: its verdict now (the questions about it would
    # need the form in progress to stop).
    await show_verdict(dispatcher, tracker)


async def answer_side_question(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    threshold: float = SIDE_QUESTION_CONFIDENCE,
) -> bool:
    """Answer a question asked instead of a form answer, as it is answered outside the
    form; True when one was answered. The form then asks its question again."""
    name = side_question(tracker.latest_message, threshold)
    answer = SIDE_ANSWERS.get(name) if name is not None else None
    if answer is None:
        return False
    await answer(dispatcher, tracker, domain)
    return True


# ----------------------------------------------------------------------- opening a ticket


class ActionStartTicket(Action):  # type: ignore[misc]
    """Check that the person is registered, then start a fresh form."""

    def name(self) -> str:
        return "action_start_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not await may_declare(
            dispatcher,
            tracker,
            unavailable="utter_ticket_unavailable",
            not_registered="utter_ticket_not_registered",
        ):
            return [SlotSet("ticket_allowed", False)]
        events = [
            *reset_slots(FORM_SLOTS),
            SlotSet("ticket_draft", uuid.uuid4().hex),
            SlotSet("ticket_allowed", True),
        ]
        # Don't ask twice: a request that already says what is wrong fills the description
        # (shown back now, and at the summary, where « Modifier » corrects it).
        said = str((tracker.latest_message or {}).get("text") or "")
        described = ticket_form.described_problem(said)
        if described is not None:
            dispatcher.utter_message(response="utter_problem_noted", problem=described)
            events.append(SlotSet("problem", described))
        return events


class ValidateOpenTicketForm(CancellableForm, FormValidationAction):  # type: ignore[misc]
    """Understand each answer; answer side questions; handle « Modifier »."""

    def name(self) -> str:
        return "validate_open_ticket_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # A security incident or a loss revealed instead of an answer (not a button): the
        # reflexes at once, then the ticket is set aside for the incident form (don't ask
        # twice: action_start_incident keeps what this message says).
        if (
            tracker.get_slot("requested_slot") is not None
            and entity(tracker, CHOICE_ENTITY) is None
            and is_urgent(tracker.latest_message)
            and not wants_to_cancel(tracker.latest_message)
        ):
            await answer_side_question(dispatcher, tracker, domain, URGENT_CONFIDENCE)
            return switch_to_incident()
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return ticket_form.required_slots(
            tracker.get_slot("ticket_confirmation"), tracker.get_slot("ticket_field")
        )

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
        button = entity(tracker, CHOICE_ENTITY)
        code: str | None = parse(value, button)
        if code is not None:
            return code
        if not await answer_side_question(dispatcher, tracker, domain):
            dispatcher.utter_message(response="utter_ticket_not_understood")
        return None

    async def validate_problem(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip():
            return {"problem": None}  # a slot reset, not an answer
        # (An incident or a loss written instead of an answer never gets here: run() sends
        # it to the incident form.)
        text = value
        if is_question(text) and await answer_side_question(
            dispatcher, tracker, domain, PROBLEM_QUESTION_CONFIDENCE
        ):
            return {"problem": None}
        problem = ticket_form.parse_problem(text)
        if problem is None and not await answer_side_question(dispatcher, tracker, domain):
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
        urgency = draft_urgency(draft)
        dispatcher.utter_message(
            response="utter_ticket_summary",
            problem=draft.problem,
            device=ticket_texts.DEVICE_LABELS.get(draft.device, draft.device),
            scope=ticket_texts.SCOPE_LABELS.get(draft.scope, draft.scope),
            care_impact=ticket_texts.CARE_LABELS.get(draft.care_impact, draft.care_impact),
            urgency=ticket_texts.URGENCY_LABELS.get(urgency, urgency),
        )
        return []


class ActionCreateTicket(Action):  # type: ignore[misc]
    """Create the confirmed ticket once (the draft id is the idempotency key)."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [*reset_slots(FORM_SLOTS), SlotSet("ticket_draft", None)]
        if tracker.get_slot(INCIDENT_SWITCH):  # an incident revealed during the form
            dispatcher.utter_message(response="utter_ticket_to_incident")
            return incident_follows(reset)
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
            dispatcher.utter_message(
                response="utter_ticket_not_registered", **(await contacts(tracker))
            )
            return reset
        except Exception:
            logger.exception("Ticket could not be stored")
            dispatcher.utter_message(
                response="utter_ticket_unavailable", **(await contacts(tracker))
            )
            return reset
        logger.info("Ticket %s %s", view.reference, "created" if created else "already created")
        dispatcher.utter_message(response="utter_ticket_created", reference=view.reference)
        after_hours(dispatcher, view)
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
        reference = entity(tracker, REF_ENTITY) or find_reference(
            tracker.latest_message.get("text") or ""
        )
        try:
            s = await store()
            person = await s.directory.person_by_sender(sender)
            if not can_open_tickets(person):
                dispatcher.utter_message(
                    response="utter_ticket_not_registered", **(await contacts(tracker))
                )
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
            dispatcher.utter_message(
                response="utter_ticket_unavailable", **(await contacts(tracker))
            )
            return []
        if not views:
            dispatcher.utter_message(response="utter_no_open_ticket")
            return []
        send(dispatcher, ticket_texts.staff_status(views))
        return []


class ActionStartFollowup(Action):  # type: ignore[misc]
    """Choose the ticket the information is for: given, the only open one, or ask."""

    def name(self) -> str:
        return "action_start_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        sender = tracker.sender_id
        denied: list[EventType] = [SlotSet("followup_allowed", False), *reset_slots(FOLLOWUP_SLOTS)]
        reference = entity(tracker, REF_ENTITY) or find_reference(
            tracker.latest_message.get("text") or ""
        )
        try:
            s = await store()
            person = await s.directory.person_by_sender(sender)
            if not can_open_tickets(person):
                dispatcher.utter_message(
                    response="utter_ticket_not_registered", **(await contacts(tracker))
                )
                return denied
            if reference is not None:
                found = await s.tickets.for_requester(sender, reference)
                if found is None:
                    dispatcher.utter_message(
                        response="utter_ticket_ref_unknown", reference=reference
                    )
                    return denied
                if not ticket_texts.accepts_info(found):
                    dispatcher.utter_message(response="utter_ticket_closed", reference=reference)
                    return denied
                chosen = found.reference
            else:
                views = [
                    v
                    for v in await s.tickets.open_for_requester(sender)
                    if ticket_texts.accepts_info(v)
                ]
                if not views:
                    dispatcher.utter_message(response="utter_no_open_ticket")
                    return denied
                if len(views) > 1:
                    dispatcher.utter_message(
                        response="utter_choose_ticket",
                        buttons=[b.to_dict() for b in ticket_texts.choose_ticket_buttons(views)],
                    )
                    return denied
                chosen = views[0].reference
        except Exception:
            logger.exception("Tickets unavailable")
            dispatcher.utter_message(
                response="utter_ticket_unavailable", **(await contacts(tracker))
            )
            return denied
        return [
            SlotSet("followup_text", None),
            SlotSet("followup_ref", chosen),
            SlotSet("followup_allowed", True),
        ]


class ValidateFollowupForm(CancellableForm, FormValidationAction):  # type: ignore[misc]
    """The information must say something; an incident revealed instead opens its form."""

    def name(self) -> str:
        return "validate_followup_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if (
            tracker.get_slot("requested_slot") == "followup_text"
            and is_urgent(tracker.latest_message)
            and not wants_to_cancel(tracker.latest_message)
        ):
            # « l'écran affiche une rançon maintenant » as the information: the reflexes at
            # once, then the incident's own form (action_add_followup).
            await answer_side_question(dispatcher, tracker, domain, URGENT_CONFIDENCE)
            return switch_to_incident()
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        return events

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
        reset = reset_slots(FOLLOWUP_SLOTS)
        if tracker.get_slot(INCIDENT_SWITCH):
            dispatcher.utter_message(response="utter_ticket_to_incident")
            return incident_follows(reset)
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
            dispatcher.utter_message(
                response="utter_ticket_unavailable", **(await contacts(tracker))
            )
            return reset
        dispatcher.utter_message(response="utter_followup_added", reference=view.reference)
        after_hours(dispatcher, view)
        return reset


SIDE_ANSWERS: dict[str, SideAnswer] = {
    "faq": _by(ActionAnswerFaq),
    "declare_incident": _by(ActionIncidentReflexes),
    "lost_device": _by(ActionLostDevice),
    "report_phishing": _by(ActionReportPhishing),
    "help": _by(ActionHelpMenu),
    "bot_challenge": _bot_challenge,
    "ticket_status": _by(ActionTicketStatus),
    EMAIL_INTENT: _verdict,
}
