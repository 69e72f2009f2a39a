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

from actions.common import (
    CHOICE_ENTITY,
    INCIDENT_SWITCH,
    REPORT_SLOT,
    CancellableForm,
    DomainDict,
    after_hours,
    cancelled,
    contacts,
    entity,
    incident_follows,
    intent,
    phishing_service,
    report_id,
    reset_slots,
    send,
    show_verdict,
    store,
    switch_to_incident,
)
from actions.tickets import answer_side_question
from vigie.conversation.forms import (
    EMAIL_INTENT,
    URGENT_CONFIDENCE,
    is_urgent,
    wants_to_cancel,
)
from vigie.phishing import form as phishing_form
from vigie.phishing import texts as phishing_texts
from vigie.phishing.service import reflexes_outcome, ticket_draft, ticket_key
from vigie.tickets.service import TicketError
from vigie.tickets.views import TicketDraft, TicketView

logger = logging.getLogger(__name__)

FORM_SLOTS = ("mail_action", "link_asked", "form_cancelled")


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
            *reset_slots(FORM_SLOTS),
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
        send(dispatcher, phishing_texts.mail_action_question())
        return []


class ActionAskLinkAsked(Action):  # type: ignore[misc]
    """After a click: did the page ask for something? Oui / Non."""

    def name(self) -> str:
        return "action_ask_link_asked"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        send(dispatcher, phishing_texts.link_question())
        return []


def _answering(tracker: Tracker) -> bool:
    """The latest message answers a question of the form (at its activation, the latest
    message is still the e-mail whose verdict was just given)."""
    return tracker.latest_action_name == "action_listen" and tracker.get_slot("requested_slot") in (
        "mail_action",
        "link_asked",
    )


def _reveals_incident(tracker: Tracker) -> bool:
    """A typed answer the form does not understand, that Rasa reads as an incident or a loss
    with confidence (« mon écran affiche une rançon depuis »): not « J'ai ouvert la pièce
    jointe », which the form understands and answers with its urgent ticket."""
    asked = tracker.get_slot("requested_slot")
    if asked not in ("mail_action", "link_asked") or entity(tracker, CHOICE_ENTITY) is not None:
        return False
    if not is_urgent(tracker.latest_message) or wants_to_cancel(tracker.latest_message):
        return False
    text = str((tracker.latest_message or {}).get("text") or "")
    parse = (
        phishing_form.parse_mail_action if asked == "mail_action" else phishing_form.parse_yes_no
    )
    return parse(text, None) is None


class ValidatePhishingForm(CancellableForm, FormValidationAction):  # type: ignore[misc]
    """Understand the answers; answer side questions; a new e-mail restarts the questions."""

    def name(self) -> str:
        return "validate_phishing_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if intent(tracker)[0] == EMAIL_INTENT and _answering(tracker):
            # Another e-mail sent instead of an answer: its verdict, then the same questions
            # about it (the report slot already holds its id).
            if not await show_verdict(dispatcher, tracker):
                return cancelled()
            return [
                *reset_slots(("mail_action", "link_asked")),
                SlotSet("requested_slot", "mail_action"),
            ]
        if _reveals_incident(tracker):
            # « l'écran affiche une rançon » instead of an answer the form understands: the
            # reflexes at once, then the incident's own form (action_phishing_reflexes).
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
        return phishing_form.required_questions(tracker.get_slot("mail_action"))

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
        button = entity(tracker, CHOICE_ENTITY)
        name, confidence = intent(tracker)
        if phishing_form.question_first(
            value, button, name, confidence
        ) and await answer_side_question(dispatcher, tracker, domain):
            return None
        code = parse(value, button)
        if code is not None:
            return code
        if not phishing_form.may_be_side_question(name) or not await answer_side_question(
            dispatcher, tracker, domain
        ):
            send(
                dispatcher,
                phishing_texts.message(phishing_texts.NOT_UNDERSTOOD, await contacts(tracker)),
            )
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
            "mail_action": phishing_form.action_after_link(answer),
        }


async def _open_ticket(
    sender: str, draft: TicketDraft, identifier: int
) -> tuple[TicketView | None, phishing_texts.Outcome]:
    """Open (once per report) the urgent ticket; the outcome to tell the person."""
    try:
        view, created = await (await store()).tickets.create(
            sender, draft, idempotency_key=ticket_key(identifier)
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
        reset = reset_slots(FORM_SLOTS)
        known = await contacts(tracker)
        if tracker.get_slot(INCIDENT_SWITCH):  # an incident revealed instead of an answer
            dispatcher.utter_message(response="utter_mail_to_incident")
            return incident_follows(reset)
        if tracker.get_slot("form_cancelled"):
            send(dispatcher, phishing_texts.message(phishing_texts.CANCELLED, known))
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
            send(dispatcher, phishing_texts.reflexes_message(
                action, verdict="douteux", outcome="failed", contacts=known
            ))  # fmt: skip
            return reset
        ticket: TicketView | None = None
        ticket_outcome: phishing_texts.Outcome | None = None
        draft = ticket_draft(action, view)
        if draft is not None:
            ticket, ticket_outcome = await _open_ticket(sender, draft, identifier)
        recorded = True
        try:
            await service.record_action(
                sender, identifier, action, ticket_reference=ticket.reference if ticket else None
            )
        except Exception:
            logger.exception("Answer to phishing report %s not recorded", identifier)
            recorded = False
        outcome = reflexes_outcome(view, ticket_outcome, recorded)
        send(dispatcher, phishing_texts.reflexes_message(
            action,
            verdict=view.verdict,
            outcome=outcome,
            contacts=known,
            reference=ticket.reference if ticket else None,
        ))  # fmt: skip
        if ticket is not None:
            after_hours(dispatcher, ticket)
        return reset
