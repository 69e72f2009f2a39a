"""Ticket actions, run as the action server runs them: hand-built trackers, a real SQLite
database opened by the actions through the real settings, events compared exactly."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.incidents import ActionStartIncident
from actions.tickets import (
    SIDE_ANSWERS,
    ActionAddFollowup,
    ActionAskTicketConfirmation,
    ActionCreateTicket,
    ActionStartFollowup,
    ActionStartTicket,
    ActionTicketStatus,
    ValidateFollowupForm,
    ValidateOpenTicketForm,
)
from tests.auxil.actions import (
    CONTACTS,
    PAUL_CHAT,
    SENDER,
    STRANGER,
    action_database,
    outbox_to,
    tickets,
)
from vigie.conversation.forms import SIDE_QUESTION_INTENTS
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import ROOT, get_settings
from vigie.knowledge import get_knowledge_base, texts
from vigie.tickets import texts as tt
from vigie.tickets.models import TicketEvent
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft, TicketView

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM_SLOTS = [
    "form_cancelled",
    "problem",
    "device",
    "scope",
    "care_impact",
    "ticket_field",
    "ticket_urgency",
    "ticket_confirmation",
]
FORM_RESET = [*(SlotSet(name, None) for name in FORM_SLOTS), SlotSet("ticket_draft", None)]
FOLLOWUP_RESET = [
    SlotSet("followup_ref", None),
    SlotSet("followup_text", None),
    SlotSet("form_cancelled", None),
]
CANCELLED = [SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]
#: The answers of a complete form.
ANSWERS = {
    "problem": "L'imprimante du 2e étage n'imprime plus rien",
    "device": "printer",
    "scope": "service",
    "care_impact": "degraded",
}
# Keys of a message the dispatcher builds for a domain response (``response=``).
_STANDARD_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image"}
_STANDARD_KEYS |= {"attachment"}


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    service: TicketService


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The shared action database (tests/auxil/actions.py) and the TicketService."""
    async with action_database(tmp_path, monkeypatch) as sessions:
        yield World(sessions, TicketService(sessions, get_settings()))


# --- Trackers and messages ---------------------------------------------------------------


def button(choice: str) -> dict[str, Any]:
    return {
        "text": f'/inform{{"choice":"{choice}"}}',
        "intent": {"name": "inform", "confidence": 1.0},
        "entities": [{"entity": "choice", "value": choice}],
    }


def typed(text: str, intent: str = "inform", confidence: float = 0.8) -> dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}


def faq_question(text: str, article: str) -> dict[str, Any]:
    return {
        **typed(text, "faq", 0.9),
        "response_selector": {
            "faq": {"response": {"intent_response_key": f"faq/{article}", "confidence": 0.9}}
        },
    }


def with_ref(message: dict[str, Any], reference: str) -> dict[str, Any]:
    return {**message, "entities": [{"entity": "ticket_ref", "value": reference}]}


def tracker(
    message: dict[str, Any],
    *,
    slots: dict[str, Any] | None = None,
    sender: str = SENDER,
    loop: str | None = None,
) -> Tracker:
    """A tracker whose latest event is the user's message, followed (in a form) by the slot
    Rasa extracted from it (the text, for the requested slot), as the form hands it to its
    validation action."""
    slots = dict(slots or {})
    events: list[dict[str, Any]] = [
        {
            "event": "user",
            "text": message.get("text"),
            "parse_data": message,
            "metadata": {"channel": "telegram"},
            "input_channel": "rest",
        }
    ]
    requested = slots.get("requested_slot")
    if loop and requested:
        slots[requested] = message.get("text")
        events.append({"event": "slot", "name": requested, "value": message.get("text")})
    active_loop = {"name": loop} if loop else {}
    return Tracker(sender, slots, message, events, False, None, active_loop, "action_listen")


def in_form(message: dict[str, Any], requested: str, **slots: Any) -> Tracker:
    """The ticket form waits for ``requested`` (the questions before it answered, unless
    ``slots`` say otherwise); ``message`` is the person's answer."""
    order = list(ANSWERS)
    before = order[: order.index(requested)] if requested in order else order
    values = {**{name: ANSWERS[name] for name in before}, **slots}
    return tracker(message, slots={"requested_slot": requested, **values}, loop="open_ticket_form")


async def run(
    action: Action, tracker: Tracker
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the action; its events and the raw messages it sent."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, DOMAIN)
    events = await result if inspect.isawaitable(result) else result
    return events, dispatcher.messages


def responses(raw: list[dict[str, Any]]) -> list[tuple[str | None, dict[str, Any]]]:
    """Each message as (domain response, its values); Vigie's own messages as (None, {})."""
    return [
        (m.get("response"), {k: v for k, v in m.items() if k not in _STANDARD_KEYS}) for m in raw
    ]


def own(raw: list[dict[str, Any]]) -> list[OutgoingMessage]:
    """Vigie's own messages (custom payloads), read as the front ends do."""
    sent = [OutgoingMessage.from_rasa(m) for m in raw]
    return [m for m in sent if m is not None]


async def open_ticket(world: World, key: str = "k1", sender: str = SENDER) -> TicketView:
    draft = TicketDraft(ANSWERS["problem"], "printer", "service", "degraded")
    view, _ = await world.service.create(sender, draft, idempotency_key=key)
    return view


# --- action_start_ticket ------------------------------------------------------------------


async def test_start_ticket_resets_the_form_with_a_new_draft_id(world: World) -> None:
    events, raw = await run(ActionStartTicket(), tracker(typed("je veux ouvrir un ticket")))
    assert raw == []
    assert events[:-2] == [SlotSet(name, None) for name in FORM_SLOTS]
    draft, allowed = events[-2:]
    assert draft["name"] == "ticket_draft" and len(draft["value"]) == 32
    assert allowed == SlotSet("ticket_allowed", True)
    again, _ = await run(ActionStartTicket(), tracker(typed("ouvrir un ticket")))
    assert again[-2]["value"] != draft["value"]


async def test_a_request_that_describes_the_problem_is_not_asked_again(world: World) -> None:
    """« mon pc ne démarre plus depuis ce matin, écran noir »: the form starts with the
    description filled in, shown back (and corrected at the summary if need be)."""
    said = "mon pc ne démarre plus depuis ce matin, écran noir"
    events, raw = await run(ActionStartTicket(), tracker(typed(said, "open_ticket")))
    assert events[-1] == SlotSet("problem", said)
    assert events[-2] == SlotSet("ticket_allowed", True)
    assert responses(raw) == [("utter_problem_noted", {"problem": said})]


async def test_start_ticket_refuses_an_unregistered_person(world: World) -> None:
    events, raw = await run(ActionStartTicket(), tracker(typed("ticket"), sender=STRANGER))
    assert events == [SlotSet("ticket_allowed", False)]
    assert responses(raw) == [("utter_ticket_not_registered", CONTACTS)]


# --- validate_open_ticket_form: each answer ------------------------------------------------


async def test_a_description_is_kept(world: World) -> None:
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(typed(ANSWERS["problem"], "open_ticket"), "problem")
    )
    assert events == [SlotSet("problem", ANSWERS["problem"]), SlotSet("requested_slot", "device")]
    assert raw == []


async def test_a_description_too_short_is_asked_again(world: World) -> None:
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(typed("ok", "affirm", 0.3), "problem")
    )
    assert events == [SlotSet("problem", None), SlotSet("requested_slot", "problem")]
    assert responses(raw) == [("utter_problem_too_short", {})]


async def test_a_description_that_mentions_stopping_cancels_nothing(world: World) -> None:
    text = "on arrete les soins"  # 4 words: a cancellation only with 0.8
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(typed(text, "cancel", 0.7), "problem")
    )
    assert events == [SlotSet("problem", text), SlotSet("requested_slot", "device")]
    assert raw == []
    long = "le logiciel plante donc on arrete les soins au 2e"
    events, _ = await run(ValidateOpenTicketForm(), in_form(typed(long, "cancel", 0.95), "problem"))
    assert events == [SlotSet("problem", long), SlotSet("requested_slot", "device")]


async def test_an_emergency_as_description_gets_the_reflexes_and_switches(world: World) -> None:
    """The reflexes at once, then the ticket is set aside for the incident form (which keeps
    the message as its description: action_start_incident)."""
    text = "un virus affiche une rançon sur l'écran"
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(typed(text, "declare_incident", 0.9), "problem")
    )
    assert events == [
        SlotSet("incident_switch", True),
        SlotSet("form_cancelled", True),
        SlotSet("requested_slot", None),
    ]
    assert [m.html for m in own(raw)] == [texts.render_text(texts.INCIDENT_REFLEXES, CONTACTS)]


async def test_an_unsure_emergency_does_not_switch(world: World) -> None:
    text = "un virus ? je sais pas trop, le pc rame"
    events, _ = await run(
        ValidateOpenTicketForm(), in_form(typed(text, "declare_incident", 0.4), "problem")
    )
    assert SlotSet("incident_switch", True) not in events


async def test_the_switch_sets_the_ticket_aside_and_starts_the_incident_form(
    world: World,
) -> None:
    text = "un virus affiche une rançon sur l'écran"
    message = typed(text, "declare_incident", 0.9)
    events, raw = await run(
        ActionCreateTicket(),
        tracker(message, slots={"incident_switch": True, "form_cancelled": True}),
    )
    assert events == [*FORM_RESET, FollowupAction("action_start_incident")]
    assert [m["response"] for m in raw] == ["utter_ticket_to_incident"]
    assert await tickets(world.sessionmaker) == []
    events, raw = await run(
        ActionStartIncident(), tracker(message, slots={"incident_switch": True})
    )
    assert SlotSet("incident_switch", None) in events
    assert SlotSet("incident_what", text) in events
    assert events[-1] == FollowupAction("incident_form")
    lost = typed("j'ai perdu ma carte CPS", "lost_device", 0.9)
    events, _ = await run(ActionStartIncident(), tracker(lost, slots={"incident_switch": True}))
    assert events[-1] == FollowupAction("lost_device_form")
    # Outside the switch, the rules start the form: no follow-up action.
    events, _ = await run(ActionStartIncident(), tracker(message))
    assert not any(isinstance(e, dict) and e.get("event") == "followup" for e in events)


async def test_a_question_instead_of_a_description_is_answered(world: World) -> None:
    question = faq_question("c'est quoi la double authentification ?", "mfa")
    events, raw = await run(ValidateOpenTicketForm(), in_form(question, "problem"))
    assert events == [SlotSet("problem", None), SlotSet("requested_slot", "problem")]
    assert [m.article_id for m in own(raw)] == ["mfa"]


async def test_an_unsure_question_is_taken_as_the_description(world: World) -> None:
    text = "pourquoi l'imprimante ne marche plus ?"
    events, raw = await run(ValidateOpenTicketForm(), in_form(typed(text, "faq", 0.55), "problem"))
    assert events == [SlotSet("problem", text), SlotSet("requested_slot", "device")]
    assert raw == []


@pytest.mark.parametrize(
    ("slot", "message", "expected"),
    [
        ("device", button("printer"), "printer"),
        ("device", typed("le DPI plante", "inform", 0.4), "care_software"),
        ("scope", button("facility"), "facility"),
        ("scope", typed("tout le monde", "inform", 0.6), "facility"),
        ("care_impact", button("yes"), "yes"),
        ("care_impact", typed("les soins ne peuvent pas continuer", "deny", 0.7), "no"),
    ],
)
async def test_choices_by_button_or_typed(
    world: World, slot: str, message: dict[str, Any], expected: str
) -> None:
    events, raw = await run(ValidateOpenTicketForm(), in_form(message, slot, **ANSWERS))
    assert events == [SlotSet(slot, expected), SlotSet("requested_slot", "ticket_confirmation")]
    assert raw == []


@pytest.mark.parametrize("slot", ["device", "scope", "care_impact"])
async def test_a_choice_not_understood_is_asked_again(world: World, slot: str) -> None:
    message = typed("banane", "nlu_fallback", 0.3)
    events, raw = await run(ValidateOpenTicketForm(), in_form(message, slot))
    assert events == [SlotSet(slot, None), SlotSet("requested_slot", slot)]
    assert responses(raw) == [("utter_ticket_not_understood", {})]


async def test_a_lost_device_during_a_choice_gets_its_reflexes_first(world: World) -> None:
    message = typed("j'ai perdu ma carte CPS", "lost_device", 0.9)
    events, raw = await run(ValidateOpenTicketForm(), in_form(message, "device"))
    assert events == [
        SlotSet("incident_switch", True),
        SlotSet("form_cancelled", True),
        SlotSet("requested_slot", None),
    ]
    assert [m.html for m in own(raw)] == [texts.render_text(texts.LOST_DEVICE, CONTACTS)]


async def test_a_confirmation_by_button_or_typed(world: World) -> None:
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(button("confirm"), "ticket_confirmation", **ANSWERS)
    )
    assert events == [SlotSet("ticket_confirmation", "confirm"), SlotSet("requested_slot", None)]
    assert raw == []
    events, _ = await run(
        ValidateOpenTicketForm(),
        in_form(typed("oui envoyez", "affirm", 0.9), "ticket_confirmation", **ANSWERS),
    )
    assert events == [SlotSet("ticket_confirmation", "confirm"), SlotSet("requested_slot", None)]


async def test_a_negated_confirmation_sends_nothing(world: World) -> None:
    message = typed("non ne l'envoyez pas", "deny", 0.9)
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(message, "ticket_confirmation", **ANSWERS)
    )
    assert events == [
        SlotSet("ticket_confirmation", None),
        SlotSet("requested_slot", "ticket_confirmation"),
    ]
    assert responses(raw) == [("utter_ticket_not_understood", {})]


async def test_modify_asks_which_answer_then_forgets_it(world: World) -> None:
    events, _ = await run(
        ValidateOpenTicketForm(), in_form(button("modify"), "ticket_confirmation", **ANSWERS)
    )
    assert events == [
        SlotSet("ticket_confirmation", "modify"),
        SlotSet("ticket_field", None),
        SlotSet("requested_slot", "ticket_field"),
    ]
    slots = {**ANSWERS, "ticket_confirmation": "modify"}
    events, _ = await run(
        ValidateOpenTicketForm(), in_form(button("device"), "ticket_field", **slots)
    )
    assert events == [
        SlotSet("ticket_field", None),
        SlotSet("device", None),
        SlotSet("ticket_confirmation", None),
        SlotSet("requested_slot", "device"),
    ]


async def test_modify_the_urgency(world: World) -> None:
    slots = {**ANSWERS, "ticket_confirmation": "modify"}
    events, _ = await run(
        ValidateOpenTicketForm(),
        in_form(typed("l'urgence", "inform", 0.5), "ticket_field", **slots),
    )
    assert events == [SlotSet("ticket_field", "urgency"), SlotSet("ticket_urgency", None)]
    slots["ticket_field"] = "urgency"
    events, _ = await run(
        ValidateOpenTicketForm(), in_form(typed("très urgent"), "ticket_urgency", **slots)
    )
    assert events == [
        SlotSet("ticket_urgency", "critical"),
        SlotSet("ticket_field", None),
        SlotSet("ticket_confirmation", None),
        SlotSet("requested_slot", "ticket_confirmation"),
    ]


# --- Cancelling, side questions ------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        typed("/cancel", "cancel", 1.0),
        typed("annuler", "cancel", 0.9),
        typed("stop", "cancel", 0.5),
    ],
)
async def test_cancel_by_button_or_short_text(world: World, message: dict[str, Any]) -> None:
    events, raw = await run(ValidateOpenTicketForm(), in_form(message, "scope", problem="x y z"))
    assert events == CANCELLED
    assert raw == []


async def test_an_unsure_short_cancel_is_not_a_cancellation(world: World) -> None:
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(typed("stop", "cancel", 0.4), "device")
    )
    assert events == [SlotSet("device", None), SlotSet("requested_slot", "device")]
    assert responses(raw) == [("utter_ticket_not_understood", {})]


async def test_the_followup_form_can_be_cancelled_too(world: World) -> None:
    t = tracker(
        typed("annuler", "cancel", 0.9),
        slots={"requested_slot": "followup_text", "followup_ref": "VIG-2026-00001"},
        loop="followup_form",
    )
    events, _ = await run(ValidateFollowupForm(), t)
    assert events == CANCELLED


async def test_side_questions_are_answered_then_asked_again(world: World) -> None:
    events, raw = await run(
        ValidateOpenTicketForm(), in_form(typed("t'es un robot", "bot_challenge", 0.9), "scope")
    )
    assert events == [SlotSet("scope", None), SlotSet("requested_slot", "scope")]
    assert responses(raw) == [("utter_iamabot", {})]

    _, raw = await run(ValidateOpenTicketForm(), in_form(typed("aide", "help", 0.9), "device"))
    [menu] = own(raw)
    assert menu.html == texts.help_menu(CONTACTS, get_knowledge_base()).html


async def test_ticket_status_during_the_form(world: World) -> None:
    view = await open_ticket(world)
    message = typed("où en est ma demande", "ticket_status", 0.9)
    events, raw = await run(ValidateOpenTicketForm(), in_form(message, "care_impact"))
    assert events == [SlotSet("care_impact", None), SlotSet("requested_slot", "care_impact")]
    [status] = own(raw)
    assert view.reference in status.html


def test_every_side_question_has_its_answer() -> None:
    assert set(SIDE_ANSWERS) == SIDE_QUESTION_INTENTS


# --- The summary, creating the ticket ------------------------------------------------------


async def test_the_summary_shows_labels_and_the_derived_urgency(world: World) -> None:
    _, raw = await run(ActionAskTicketConfirmation(), tracker(button("x"), slots=ANSWERS))
    values = {
        "problem": ANSWERS["problem"],
        "device": "imprimante",
        "scope": "mon service",
        "care_impact": "avec difficulté",
        "urgency": "haute",
    }
    assert responses(raw) == [("utter_ticket_summary", values)]
    slots = {**ANSWERS, "ticket_urgency": "low"}
    _, raw = await run(ActionAskTicketConfirmation(), tracker(button("x"), slots=slots))
    assert responses(raw) == [("utter_ticket_summary", {**values, "urgency": "basse"})]


def confirmed(key: str = "draft-1", **slots: Any) -> Tracker:
    values = {**ANSWERS, "ticket_confirmation": "confirm", "ticket_draft": key, **slots}
    return tracker(button("confirm"), slots=values)


async def test_create_ticket_stores_it_tells_the_reference_and_the_technicians(
    world: World,
) -> None:
    events, raw = await run(ActionCreateTicket(), confirmed())
    assert events == FORM_RESET
    [ticket] = await tickets(world.sessionmaker)
    assert responses(raw) == [("utter_ticket_created", {"reference": ticket.reference})]
    assert (ticket.problem, ticket.device, ticket.scope, ticket.care_impact) == (
        ANSWERS["problem"],
        "printer",
        "service",
        "degraded",
    )
    assert (ticket.urgency, ticket.idempotency_key, ticket.status) == ("high", "draft-1", "new")
    assert await outbox_to(world.sessionmaker, PAUL_CHAT) == 1

    # The same draft again (a retried message): the same ticket, nobody told twice.
    events, raw = await run(ActionCreateTicket(), confirmed())
    assert events == FORM_RESET
    assert responses(raw) == [("utter_ticket_created", {"reference": ticket.reference})]
    assert len(await tickets(world.sessionmaker)) == 1
    assert await outbox_to(world.sessionmaker, PAUL_CHAT) == 1


async def test_create_ticket_with_the_corrected_urgency(world: World) -> None:
    await run(ActionCreateTicket(), confirmed(ticket_urgency="critical"))
    [ticket] = await tickets(world.sessionmaker)
    assert (ticket.urgency, ticket.urgency_derived) == ("critical", "high")


async def test_a_cancelled_form_creates_nothing(world: World) -> None:
    events, raw = await run(ActionCreateTicket(), confirmed(form_cancelled=True))
    assert events == FORM_RESET
    assert responses(raw) == [("utter_form_cancelled", {})]
    assert await tickets(world.sessionmaker) == []


@pytest.mark.parametrize("slots", [{"ticket_confirmation": None}, {"ticket_draft": None}])
async def test_no_ticket_without_confirmation_and_draft(
    world: World, slots: dict[str, Any]
) -> None:
    events, raw = await run(ActionCreateTicket(), confirmed(**slots))
    assert events == FORM_RESET
    assert raw == []
    assert await tickets(world.sessionmaker) == []


async def test_an_unregistered_person_cannot_create_a_ticket(world: World) -> None:
    t = confirmed()
    t.sender_id = STRANGER
    events, raw = await run(ActionCreateTicket(), t)
    assert events == FORM_RESET
    assert responses(raw) == [("utter_ticket_not_registered", CONTACTS)]
    assert await tickets(world.sessionmaker) == []


# --- action_ticket_status ------------------------------------------------------------------


async def test_status_without_tickets(world: World) -> None:
    events, raw = await run(ActionTicketStatus(), tracker(typed("mes demandes", "ticket_status")))
    assert events == []
    assert responses(raw) == [("utter_no_open_ticket", {})]


async def test_status_lists_the_tickets_with_add_info_buttons(world: World) -> None:
    first = await open_ticket(world, "k1")
    second = await open_ticket(world, "k2")
    events, raw = await run(ActionTicketStatus(), tracker(typed("mes demandes", "ticket_status")))
    assert events == []
    [message] = own(raw)
    views = await world.service.open_for_requester(SENDER)
    assert message == tt.staff_status(views)
    assert {b.title for b in message.buttons} == {
        f"Ajouter une information ({first.reference})",
        f"Ajouter une information ({second.reference})",
    }


async def test_status_of_an_unknown_reference(world: World) -> None:
    message = with_ref(typed("et la VIG-2026-09999 ?", "ticket_status"), "VIG-2026-09999")
    events, raw = await run(ActionTicketStatus(), tracker(message))
    assert events == []
    assert responses(raw) == [("utter_ticket_ref_unknown", {"reference": "VIG-2026-09999"})]


async def test_status_for_an_unregistered_person(world: World) -> None:
    _, raw = await run(ActionTicketStatus(), tracker(typed("mes demandes"), sender=STRANGER))
    assert responses(raw) == [("utter_ticket_not_registered", CONTACTS)]


# --- Follow-ups: choosing the ticket, the text, adding it -----------------------------------


async def test_followup_goes_to_the_only_open_ticket(world: World) -> None:
    view = await open_ticket(world)
    events, raw = await run(ActionStartFollowup(), tracker(typed("j'ai une info", "add_info")))
    assert events == [
        SlotSet("followup_text", None),
        SlotSet("followup_ref", view.reference),
        SlotSet("followup_allowed", True),
    ]
    assert raw == []


async def test_followup_asks_which_ticket_when_there_are_several(world: World) -> None:
    first = await open_ticket(world, "k1")
    second = await open_ticket(world, "k2")
    events, raw = await run(ActionStartFollowup(), tracker(typed("une info", "add_info")))
    assert events == [SlotSet("followup_allowed", False), *FOLLOWUP_RESET]
    [(name, values)] = responses(raw)
    assert name == "utter_choose_ticket"
    assert {b["payload"] for b in raw[0]["buttons"]} == {
        tt.add_info_payload(first.reference),
        tt.add_info_payload(second.reference),
    }
    assert values == {}


async def test_followup_to_an_unknown_reference_or_without_ticket(world: World) -> None:
    message = with_ref(typed("/add_info", "add_info", 1.0), "VIG-2026-09999")
    events, raw = await run(ActionStartFollowup(), tracker(message))
    assert events == [SlotSet("followup_allowed", False), *FOLLOWUP_RESET]
    assert responses(raw) == [("utter_ticket_ref_unknown", {"reference": "VIG-2026-09999"})]
    events, raw = await run(ActionStartFollowup(), tracker(typed("une info", "add_info")))
    assert events == [SlotSet("followup_allowed", False), *FOLLOWUP_RESET]
    assert responses(raw) == [("utter_no_open_ticket", {})]


async def test_the_followup_text_must_say_something(world: World) -> None:
    slots = {"requested_slot": "followup_text", "followup_ref": "VIG-2026-00001"}
    events, raw = await run(
        ValidateFollowupForm(), tracker(typed("ok"), slots=slots, loop="followup_form")
    )
    assert events == [SlotSet("followup_text", None)]
    assert responses(raw) == [("utter_problem_too_short", {})]
    events, raw = await run(
        ValidateFollowupForm(),
        tracker(typed("erreur 42 au démarrage"), slots=slots, loop="followup_form"),
    )
    assert events == [SlotSet("followup_text", "erreur 42 au démarrage")]
    assert raw == []


async def test_an_incident_written_as_followup_opens_the_incident_form(world: World) -> None:
    view = await open_ticket(world)
    slots = {"requested_slot": "followup_text", "followup_ref": view.reference}
    ransom = typed("maintenant l'écran affiche une demande de rançon", "declare_incident", 0.9)
    events, raw = await run(
        ValidateFollowupForm(), tracker(ransom, slots=slots, loop="followup_form")
    )
    assert events == [
        SlotSet("incident_switch", True),
        SlotSet("form_cancelled", True),
        SlotSet("requested_slot", None),
    ]
    assert [m.html for m in own(raw)] == [texts.render_text(texts.INCIDENT_REFLEXES, CONTACTS)]
    switched = {**slots, "incident_switch": True, "form_cancelled": True}
    events, raw = await run(ActionAddFollowup(), tracker(ransom, slots=switched))
    assert events == [*FOLLOWUP_RESET, FollowupAction("action_start_incident")]
    assert responses(raw) == [("utter_ticket_to_incident", {})]


async def test_add_followup_to_an_existing_ticket(world: World) -> None:
    view = await open_ticket(world)
    before = await outbox_to(world.sessionmaker, PAUL_CHAT)
    slots = {"followup_ref": view.reference, "followup_text": "Erreur 42 au démarrage"}
    events, raw = await run(ActionAddFollowup(), tracker(typed("Erreur 42"), slots=slots))
    assert events == FOLLOWUP_RESET
    assert responses(raw) == [("utter_followup_added", {"reference": view.reference})]
    async with world.sessionmaker() as session:
        kinds = list(
            await session.scalars(
                select(TicketEvent.text).where(
                    TicketEvent.ticket_id == view.id, TicketEvent.kind == "staff_info"
                )
            )
        )
    assert kinds == ["Erreur 42 au démarrage"]
    assert await outbox_to(world.sessionmaker, PAUL_CHAT) == before + 1


async def test_add_followup_to_an_unknown_reference(world: World) -> None:
    slots = {"followup_ref": "VIG-2026-09999", "followup_text": "Erreur 42 au démarrage"}
    events, raw = await run(ActionAddFollowup(), tracker(typed("Erreur 42"), slots=slots))
    assert events == FOLLOWUP_RESET
    assert responses(raw) == [("utter_ticket_ref_unknown", {"reference": "VIG-2026-09999"})]


async def test_a_cancelled_followup_adds_nothing(world: World) -> None:
    view = await open_ticket(world)
    slots = {"followup_ref": view.reference, "followup_text": "x y z", "form_cancelled": True}
    events, raw = await run(ActionAddFollowup(), tracker(typed("/cancel"), slots=slots))
    assert events == FOLLOWUP_RESET
    assert responses(raw) == [("utter_form_cancelled", {})]
    async with world.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "staff_info")
        )
    assert count == 0
