"""Incident actions: the form after the reflexes, then the declaration.

``declare_incident`` and ``lost_device`` get their reflexes first (``actions.faq``, unchanged);
then ``action_start_incident`` lets a registered person into the form of the intent
(``incident_form`` or ``lost_device_form``) and tells anyone else whom to call. Each question
is skippable; the answers are read by ``vigie.incidents.form``, and
``action_declare_incident`` declares the incident with ``IncidentService.declare`` (the paging
and the director's part are the domain's) and answers with ``texts.reporter_declared``.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    CHOICE_ENTITY,
    INCIDENT_SWITCH,
    CancellableForm,
    DomainDict,
    contacts,
    entity,
    intent,
    may_declare,
    reset_slots,
    send,
    store,
)
from actions.tickets import answer_side_question
from vigie.conversation.forms import PROBLEM_QUESTION_CONFIDENCE, is_question
from vigie.core.settings import get_settings
from vigie.incidents import form as incident_form
from vigie.incidents import texts as incident_texts
from vigie.incidents.service import IncidentError, IncidentService

logger = logging.getLogger(__name__)

LOST_DEVICE_INTENT = "lost_device"
FORM_SLOTS = (
    "form_cancelled",
    *incident_form.INCIDENT_QUESTIONS,
    *incident_form.LOST_QUESTIONS,
)
Parser = Callable[[str, str | None], str | None]


def _draft_key(tracker: Tracker) -> str:
    """The incident's idempotency key: from the bot's id of the message that started the
    form (the same when the bot sends it again after a failure, so the incident is declared
    once), else a fresh one."""
    message_id = (tracker.latest_message or {}).get("message_id")
    if isinstance(message_id, str) and message_id.startswith("inbox-"):
        digest = hashlib.sha256(f"{tracker.sender_id}\0{message_id}".encode()).hexdigest()
        return digest[:32]
    return uuid.uuid4().hex


class ActionStartIncident(Action):  # type: ignore[misc]
    """After the reflexes: a registered person gets the form (a fresh one), anyone else the
    hotline and how to register."""

    def name(self) -> str:
        return "action_start_incident"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not await may_declare(
            dispatcher,
            tracker,
            unavailable="utter_incident_unavailable",
            not_registered="utter_incident_not_registered",
        ):
            return [SlotSet("incident_allowed", False)]
        kind = "lost_device" if intent(tracker)[0] == LOST_DEVICE_INTENT else "incident"
        events: list[EventType] = [
            *reset_slots(FORM_SLOTS),
            SlotSet("incident_kind", kind),
            SlotSet("incident_draft", _draft_key(tracker)),
            SlotSet("incident_ref", None),
            SlotSet("incident_allowed", True),
        ]
        # Don't ask twice: what the first message already says is kept, and shown back.
        said = str((tracker.latest_message or {}).get("text") or "")
        known: dict[str, str | None] = {}
        what = incident_form.described_incident(said) if kind == "incident" else None
        lost = incident_form.described_lost_device(said) if kind == "lost_device" else None
        if what:
            known["incident_what"] = what
        elif lost:
            known["lost_what"] = lost
        events.extend(SlotSet(name, value) for name, value in known.items())
        # Paged at once, with what is known: a person who leaves the form half way (or at
        # the first question) has still raised the alarm. The answers complete it.
        key = next(e["value"] for e in events if e.get("name") == "incident_draft")
        draft = (
            incident_form.lost_device_draft(known)
            if kind == "lost_device"
            else incident_form.incident_draft(known)
        )
        try:
            service = IncidentService((await store()).sessions, get_settings())
            view, _ = await service.declare(
                tracker.sender_id, draft, idempotency_key=str(key), complete=False
            )
        except Exception:  # declared when the form ends instead (action_declare_incident)
            logger.exception("Incident could not be declared at the start of its form")
        else:
            logger.info("Incident %s declared as its form starts", view.reference)
            send(dispatcher, incident_texts.reporter_paged(view))
            events.append(SlotSet("incident_ref", view.reference))
        if what:
            dispatcher.utter_message(response="utter_incident_noted", what=what)
        elif lost:
            label = incident_texts.LOST_DEVICE_LABELS.get(lost, lost)
            dispatcher.utter_message(response="utter_lost_noted", what=label)
        if tracker.get_slot(INCIDENT_SWITCH):
            # Revealed during another form (its submit action followed with this one): no
            # rule follows this action there, so the form is started here.
            events.append(SlotSet(INCIDENT_SWITCH, None))
            form = "lost_device_form" if kind == "lost_device" else "incident_form"
            events.append(FollowupAction(form))
        return events


class _IncidentQuestions(CancellableForm):
    """Read each answer (a button, or typed); a typed question is answered first, then the
    form asks again. A mixin, not an ``Action``: the action server registers every subclass
    of ``Action``, and this one has no name of its own."""

    async def _answer(
        self,
        slot: str,
        value: Any,
        parse: Parser,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip():
            return {slot: None}  # a slot reset, not an answer: nothing to say
        button = entity(tracker, CHOICE_ENTITY)
        name, confidence = intent(tracker)
        if (
            button is None
            and is_question(value)
            and name != "declare_incident"
            and confidence >= PROBLEM_QUESTION_CONFIDENCE
            and await answer_side_question(dispatcher, tracker, domain)
        ):
            return {slot: None}
        code = parse(value, button)
        if code is None:
            dispatcher.utter_message(response="utter_incident_not_understood")
        return {slot: code}


def _validate(slot: str, parse: Parser) -> Callable[..., Awaitable[dict[str, Any]]]:
    """The ``validate_<slot>`` method of a question: its answer read with ``parse``."""

    async def validate(
        self: _IncidentQuestions,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return await self._answer(slot, value, parse, dispatcher, tracker, domain)

    return validate


class ValidateIncidentForm(_IncidentQuestions, FormValidationAction):  # type: ignore[misc]
    """The incident form: what, since when, how many workstations, care, data, done."""

    def name(self) -> str:
        return "validate_incident_form"

    validate_incident_what = _validate("incident_what", incident_form.parse_text)
    validate_incident_since = _validate("incident_since", incident_form.parse_text)
    validate_incident_extent = _validate("incident_extent", incident_form.parse_text)
    validate_incident_care = _validate("incident_care", incident_form.parse_care)
    validate_incident_data = _validate("incident_data", incident_form.parse_tristate)
    validate_incident_done = _validate("incident_done", incident_form.parse_text)


class ValidateLostDeviceForm(_IncidentQuestions, FormValidationAction):  # type: ignore[misc]
    """The lost-device form: what, when, residents' data on it, locked or encrypted."""

    def name(self) -> str:
        return "validate_lost_device_form"

    validate_lost_what = _validate("lost_what", incident_form.parse_lost_device)
    validate_lost_when = _validate("lost_when", incident_form.parse_text)
    validate_lost_data = _validate("lost_data", incident_form.parse_tristate)
    validate_lost_locked = _validate("lost_locked", incident_form.parse_locked)


class ActionDeclareIncident(Action):  # type: ignore[misc]
    """Declare the incident once (the draft id is the idempotency key): the technicians, the
    on-call technician and the director are told by the domain; the person learns what
    happens next and who will call."""

    def name(self) -> str:
        return "action_declare_incident"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [
            *reset_slots(FORM_SLOTS),
            *reset_slots(("incident_draft", "incident_kind", "incident_ref")),
        ]
        known = await contacts(tracker)
        key = tracker.get_slot("incident_draft")
        early = tracker.get_slot("incident_ref")  # declared as the form started
        cancelled = bool(tracker.get_slot("form_cancelled"))
        if cancelled and not early:
            dispatcher.utter_message(response="utter_incident_cancelled", **known)
            return reset
        if not key:
            return reset
        answers = {name: tracker.get_slot(name) for name in FORM_SLOTS}
        draft = (
            incident_form.lost_device_draft(answers)
            if tracker.get_slot("incident_kind") == "lost_device"
            else incident_form.incident_draft(answers)
        )
        try:
            service = IncidentService((await store()).sessions, get_settings())
            if early:
                view, created = await service.complete(
                    tracker.sender_id, draft, idempotency_key=str(key)
                )
            else:
                view, created = await service.declare(
                    tracker.sender_id, draft, idempotency_key=str(key)
                )
        except IncidentError as exc:
            logger.info("Incident refused: %s", exc.code)
            dispatcher.utter_message(response="utter_incident_not_registered", **known)
            return reset
        except Exception:
            logger.exception("Incident could not be stored")
            dispatcher.utter_message(response="utter_incident_unavailable", **known)
            return reset
        logger.info("Incident %s %s", view.reference, "declared" if created else "already declared")
        if cancelled:
            dispatcher.utter_message(
                response="utter_incident_questions_stopped", reference=view.reference, **known
            )
        else:
            send(dispatcher, incident_texts.reporter_declared(view, known))
        return reset
