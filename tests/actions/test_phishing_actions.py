"""Suspicious e-mail actions, run as the action server runs them: real trackers, a real
SQLite database, reports stored by the real ``PhishingService`` from e-mails of the corpus."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.common import close_store
from actions.faq import ActionReportPhishing
from actions.phishing import (
    ActionAskLinkAsked,
    ActionAskMailAction,
    ActionPhishingReflexes,
    ActionPhishingVerdict,
    ValidatePhishingForm,
)
from actions.tickets import ValidateOpenTicketForm
from tests.auxil.actions import (
    CONTACTS,
    PAUL_CHAT,
    SENDER,
    STAFF_CHAT,
    STRANGER,
    action_database,
    outbox_to,
    tickets,
)
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import ROOT, get_settings
from vigie.knowledge import texts
from vigie.phishing import texts as pt
from vigie.phishing.mailcheck import analyse, trusted_domains
from vigie.phishing.models import PhishingExpectation, PhishingReport
from vigie.phishing.service import PhishingService
from vigie.phishing.views import ReportView

EMAILS = ROOT / "tests" / "data" / "emails"
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM_SLOTS_RESET = [SlotSet("mail_action", None), SlotSet("link_asked", None)]


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    service: PhishingService


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The shared action database (tests/auxil/actions.py) and the PhishingService."""
    async with action_database(tmp_path, monkeypatch) as sessions:
        yield World(sessions, PhishingService(sessions, get_settings()))


async def submit(world: World, name: str, sender: str = SENDER) -> ReportView:
    """Store a report of an e-mail of the corpus, as the bot does."""
    data = (EMAILS / name).read_bytes()
    return await world.service.submit(
        sender=sender,
        channel="telegram",
        chat_id=STAFF_CHAT if sender == SENDER else 9999,
        data=data,
        source="eml",
        filename=Path(name).name,
        analysis=analyse(data, trusted=trusted_domains()),
    )


# --- Trackers and messages ---------------------------------------------------------------


def email_received(report_id: int | str) -> dict[str, Any]:
    """What Rasa makes of the bot's ``/email_received{"phishing_report":"<id>"}``."""
    text = "/email_received" + json.dumps({"phishing_report": str(report_id)})
    return {
        "text": text,
        "intent": {"name": "email_received", "confidence": 1.0},
        "entities": [{"entity": "phishing_report", "value": str(report_id)}],
        "metadata": {"channel": "telegram"},
    }


def button(choice: str) -> dict[str, Any]:
    return {
        "text": f'/inform{{"choice":"{choice}"}}',
        "intent": {"name": "inform", "confidence": 1.0},
        "entities": [{"entity": "choice", "value": choice}],
    }


def typed(text: str, intent: str = "inform", confidence: float = 0.8) -> dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}


def faq_question(text: str, article: str) -> dict[str, Any]:
    """A question the NLU recognised (intent faq, the article from the ResponseSelector)."""
    return {
        **typed(text, "faq", 0.9),
        "response_selector": {
            "faq": {"response": {"intent_response_key": f"faq/{article}", "confidence": 0.9}}
        },
    }


def tracker(
    message: dict[str, Any],
    *,
    slots: dict[str, Any] | None = None,
    sender: str = SENDER,
    form: bool = False,
) -> Tracker:
    """A tracker whose latest event is the user's message, followed (in a form) by the slot
    Rasa extracted from it, as the form hands it to its validation action."""
    slots = dict(slots or {})
    events: list[dict[str, Any]] = [
        {
            "event": "user",
            "text": message.get("text"),
            "parse_data": message,
            "metadata": message.get("metadata", {}),
            "input_channel": "rest",
        }
    ]
    requested = slots.get("requested_slot")
    if form and requested:
        slots[requested] = message.get("text")
        events.append({"event": "slot", "name": requested, "value": message.get("text")})
    active_loop = {"name": "phishing_form"} if form else {}
    return Tracker(sender, slots, message, events, False, None, active_loop, "action_listen")


async def run(
    action: Action, tracker: Tracker
) -> tuple[list[dict[str, Any]], list[OutgoingMessage], list[dict[str, Any]]]:
    """Run the action; its events, what it sent (read as the front ends do), the raw messages."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, DOMAIN)
    events = await result if inspect.isawaitable(result) else result
    sent = [OutgoingMessage.from_rasa(m) for m in dispatcher.messages]
    return events, [m for m in sent if m is not None], dispatcher.messages


async def stored(world: World, report_id: int) -> PhishingReport:
    async with world.sessionmaker() as session:
        report = await session.get(PhishingReport, report_id)
        assert report is not None
        return report


# --- action_report_phishing: how to send the e-mail; it is then expected ---------------------


async def test_report_phishing_asks_for_the_message_and_expects_it(world: World) -> None:
    message = typed("j ai recu un mail bizarre", "report_phishing", 0.95)
    message["metadata"] = {"channel": "telegram"}
    events, sent, _ = await run(ActionReportPhishing(), tracker(message))
    assert events == []
    assert [m.html for m in sent] == [texts.render_text(texts.REPORT_PHISHING, CONTACTS)]
    assert "Transférer en tant que pièce jointe" in sent[0].html
    assert any(b.payload == '/faq{"article":"phishing_recognize"}' for b in sent[0].buttons)
    assert await world.service.expecting(SENDER)
    async with world.sessionmaker() as session:
        row = await session.get(PhishingExpectation, SENDER)
        assert row is not None
        assert (row.channel, row.chat_id) == ("telegram", STAFF_CHAT)


async def test_a_password_already_typed_gets_the_credential_reflex_first(world: World) -> None:
    """« j'ai cliqué et mis mon mot de passe »: change it now, then send the mail."""
    message = typed("j'ai cliqué sur le lien du mail et j'ai mis mon mdp", "report_phishing")
    message["metadata"] = {"channel": "telegram"}
    _, sent, _ = await run(ActionReportPhishing(), tracker(message))
    assert [m.html for m in sent] == [
        texts.render_text(texts.CREDENTIAL_FIRST, CONTACTS),
        texts.render_text(texts.REPORT_PHISHING, CONTACTS),
    ]
    assert "Changez ce mot de passe maintenant" in sent[0].html
    assert CONTACTS["provider_oncall"] in sent[0].html  # the call, night number included
    assert await world.service.expecting(SENDER)


async def test_an_unregistered_person_is_expected_too_without_a_chat_id(world: World) -> None:
    message = typed("mail louche", "report_phishing", 0.95)
    message["metadata"] = {"channel": "terminal"}
    _, sent, _ = await run(ActionReportPhishing(), tracker(message, sender=STRANGER))
    assert len(sent) == 1
    assert await world.service.expecting(STRANGER)
    async with world.sessionmaker() as session:
        row = await session.get(PhishingExpectation, STRANGER)
        assert row is not None
        assert (row.channel, row.chat_id) == ("terminal", 0)


async def test_the_advice_is_sent_even_without_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'file' / 'vigie.db'}")
    for key, value in CONTACTS.items():
        monkeypatch.setenv(key.upper(), value)
    monkeypatch.setenv("PROVIDER_HOURS", "24/7")  # the settings' hours: the day's order
    get_settings.cache_clear()
    await close_store()
    try:
        events, sent, _ = await run(
            ActionReportPhishing(), tracker(typed("phishing", "report_phishing", 0.9))
        )
    finally:
        await close_store()
        get_settings.cache_clear()
    assert events == []
    assert [m.html for m in sent] == [texts.render_text(texts.REPORT_PHISHING, CONTACTS)]


# --- action_phishing_verdict ----------------------------------------------------------------


async def test_verdict_in_one_message_then_the_form(world: World) -> None:
    report = await submit(world, "phishing/ameli_remboursement_lookalike.eml")
    assert report.verdict == "dangereux" and report.reasons
    events, sent, _ = await run(ActionPhishingVerdict(), tracker(email_received(report.id)))
    assert events == [
        SlotSet("mail_action", None),
        SlotSet("link_asked", None),
        SlotSet("form_cancelled", None),
        SlotSet("phishing_report", str(report.id)),
        SlotSet("phishing_found", True),
    ]
    assert sent == [
        pt.verdict_message(
            verdict="dangereux",
            reasons=report.reasons,
            subject=report.subject,
            truncated=False,
            contacts=CONTACTS,
        )
    ]
    assert sent[0].html.startswith("🔴 <b>Dangereux</b>")
    assert sent[0].html.count("• ") == len(report.reasons)


async def test_a_legitimate_mail_is_probably_safe_never_guaranteed(world: World) -> None:
    report = await submit(world, "legit/ars_canicule.eml")
    _, [message], _ = await run(ActionPhishingVerdict(), tracker(email_received(report.id)))
    assert message.html.startswith("🟢 <b>Probablement sans danger</b>")
    assert "jamais une garantie" in message.html


@pytest.mark.parametrize("whose", ["unknown", "someone else", "no id"])
async def test_a_report_not_found_gets_a_polite_answer(world: World, whose: str) -> None:
    other = await submit(world, "phishing/colis_dhl_douane.eml", sender=STRANGER)
    message = {
        "unknown": email_received(other.id + 100),
        "someone else": email_received(other.id),
        "no id": {**email_received("x"), "entities": []},
    }[whose]
    events, sent, _ = await run(ActionPhishingVerdict(), tracker(message))
    assert events[-2:] == [SlotSet("phishing_report", None), SlotSet("phishing_found", False)]
    assert [m.html for m in sent] == [texts.render_text(pt.NOT_FOUND, CONTACTS)]


# --- The form: questions, answers, side questions, cancelling ------------------------------


async def test_questions_have_their_buttons(world: World) -> None:
    _, sent, _ = await run(ActionAskMailAction(), tracker(typed("x")))
    assert sent == [pt.mail_action_question()]
    _, sent, _ = await run(ActionAskLinkAsked(), tracker(typed("x")))
    assert sent == [pt.link_question()]


async def test_a_click_asks_whether_the_page_asked_for_something(world: World) -> None:
    slots = {"requested_slot": "mail_action", "phishing_report": "1"}
    events, sent, _ = await run(
        ValidatePhishingForm(), tracker(button("clicked"), slots=slots, form=True)
    )
    # Both slots of the form are required now: Rasa's form asks the one still empty.
    assert events == [SlotSet("mail_action", "clicked"), SlotSet("link_asked", None)]
    assert sent == []

    slots = {"requested_slot": "link_asked", "mail_action": "clicked"}
    events, _, _ = await run(ValidatePhishingForm(), tracker(button("yes"), slots=slots, form=True))
    assert events == [SlotSet("link_asked", "yes"), SlotSet("mail_action", "clicked_asked")]
    events, _, _ = await run(
        ValidatePhishingForm(),
        tracker(typed("non elle a rien demandé", "deny", 0.7), slots=slots, form=True),
    )
    assert events == [SlotSet("link_asked", "no"), SlotSet("mail_action", "clicked")]


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("g mis mon mdp", "faq", "credentials"),
        ("ouvert la pj", "faq", "attachment"),
        ("j ai repondu", "ticket_status", "replied"),
        ("non rien", "deny", "none"),
        ("j ai pas cliqué", "report_phishing", "none"),
        ("j'ai cliqué, c'est grave ?", "report_phishing", "clicked"),
    ],
)
async def test_typed_answers_are_understood_whatever_the_intent(
    world: World, text: str, intent: str, expected: str
) -> None:
    slots = {"requested_slot": "mail_action"}
    events, sent, _ = await run(
        ValidatePhishingForm(), tracker(typed(text, intent, 0.9), slots=slots, form=True)
    )
    assert events[0] == SlotSet("mail_action", expected)
    assert sent == []


async def test_nonsense_is_not_understood_and_asked_again(world: World) -> None:
    slots = {"requested_slot": "mail_action"}
    for message in (typed("banane", "nlu_fallback", 0.2), typed("un autre mail bizarre", "report_phishing", 0.95)):  # fmt: skip
        events, sent, _ = await run(
            ValidatePhishingForm(), tracker(message, slots=slots, form=True)
        )
        assert events == [SlotSet("mail_action", None), SlotSet("requested_slot", "mail_action")]
        assert [m.html for m in sent] == [texts.render_text(pt.NOT_UNDERSTOOD, CONTACTS)]


async def test_a_question_is_answered_then_asked_again(world: World) -> None:
    slots = {"requested_slot": "mail_action"}
    question = faq_question("comment je change mon mot de passe ?", "password_strength")
    events, sent, _ = await run(ValidatePhishingForm(), tracker(question, slots=slots, form=True))
    assert events == [SlotSet("mail_action", None), SlotSet("requested_slot", "mail_action")]
    assert [m.article_id for m in sent] == ["password_strength"]

    # An unsure incident is a side question: its reflexes, then the question again (a sure
    # one opens the incident form: the test below).
    incident = typed("au secours l ecran affiche une rancon", "declare_incident", 0.55)
    events, sent, _ = await run(ValidatePhishingForm(), tracker(incident, slots=slots, form=True))
    assert events == [SlotSet("mail_action", None), SlotSet("requested_slot", "mail_action")]
    assert [m.html for m in sent] == [texts.render_text(texts.INCIDENT_REFLEXES, CONTACTS)]


async def test_cancel_stops_the_form(world: World) -> None:
    slots = {"requested_slot": "link_asked", "mail_action": "clicked"}
    events, sent, _ = await run(
        ValidatePhishingForm(), tracker(typed("/cancel", "cancel", 1.0), slots=slots, form=True)
    )
    assert events == [SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]
    assert sent == []


async def test_another_e_mail_during_the_form_gets_its_verdict_and_the_questions(
    world: World,
) -> None:
    first = await submit(world, "phishing/colis_dhl_douane.eml")
    second = await submit(world, "phishing/m365_mot_de_passe_expire.eml")
    slots = {"requested_slot": "mail_action", "phishing_report": str(second.id)}
    events, sent, _ = await run(
        ValidatePhishingForm(), tracker(email_received(second.id), slots=slots, form=True)
    )
    assert events == [*FORM_SLOTS_RESET, SlotSet("requested_slot", "mail_action")]
    assert len(sent) == 1 and sent[0].html.startswith(pt.VERDICT_MARKERS[second.verdict])
    assert first.id != second.id

    slots["phishing_report"] = "123456"
    events, sent, _ = await run(
        ValidatePhishingForm(), tracker(email_received(123456), slots=slots, form=True)
    )
    assert events == [SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]
    assert [m.html for m in sent] == [texts.render_text(pt.NOT_FOUND, CONTACTS)]


async def test_the_form_starts_without_repeating_the_verdict(world: World) -> None:
    report = await submit(world, "phishing/colis_dhl_douane.eml")
    slots = {"phishing_report": str(report.id)}
    start = tracker(email_received(report.id), slots=slots)
    start.latest_action_name = "action_phishing_verdict"
    start.active_loop = {"name": "phishing_form"}
    events, sent, _ = await run(ValidatePhishingForm(), start)
    assert events == [SlotSet("requested_slot", "mail_action")]
    assert sent == []


async def test_an_e_mail_during_the_ticket_form_gets_its_verdict(world: World) -> None:
    report = await submit(world, "phishing/colis_dhl_douane.eml")
    slots = {"requested_slot": "problem"}
    message = email_received(report.id)
    t = tracker(message, slots=slots, form=True)
    t.active_loop = {"name": "open_ticket_form"}
    events, sent, _ = await run(ValidateOpenTicketForm(), t)
    assert SlotSet("problem", None) in events
    assert len(sent) == 1 and sent[0].html.startswith(pt.VERDICT_MARKERS[report.verdict])


# --- action_phishing_reflexes -----------------------------------------------------------------


def answered(report_id: int, action: str, sender: str = SENDER) -> Tracker:
    slots = {"phishing_report": str(report_id), "mail_action": action}
    return tracker(button(action), slots=slots, sender=sender)


RESET = [*FORM_SLOTS_RESET, SlotSet("form_cancelled", None)]


@pytest.mark.parametrize("action", ["none", "clicked"])
async def test_no_ticket_when_nothing_was_given(world: World, action: str) -> None:
    report = await submit(world, "phishing/colis_dhl_douane.eml")
    events, sent, _ = await run(ActionPhishingReflexes(), answered(report.id, action))
    assert events == RESET
    assert sent == [
        pt.reflexes_message(action, verdict=report.verdict, outcome="reported", contacts=CONTACTS)
    ]
    assert await tickets(world.sessionmaker) == []
    row = await stored(world, report.id)
    assert (row.mail_action, row.ticket_reference) == (action, None)
    assert row.notified_at is not None
    assert await outbox_to(world.sessionmaker, PAUL_CHAT) >= 1  # the technicians' report


@pytest.mark.parametrize(
    ("action", "urgency", "device"),
    [
        ("credentials", "critical", "email"),
        ("attachment", "critical", "workstation"),
        ("clicked_asked", "high", "email"),
        ("replied", "normal", "email"),
    ],
)
async def test_urgent_ticket_with_the_reflexes(
    world: World, action: str, urgency: str, device: str
) -> None:
    report = await submit(world, "phishing/m365_mot_de_passe_expire.eml")
    assert not report.asks_payment
    events, [message], raw = await run(ActionPhishingReflexes(), answered(report.id, action))
    assert events == RESET
    [ticket] = await tickets(world.sessionmaker)
    assert (ticket.urgency, ticket.device, ticket.scope) == (urgency, device, "me")
    assert ticket.idempotency_key == f"phishing-{report.id}"
    assert ticket.problem == pt.ticket_problem(action, report.id)
    assert message == pt.reflexes_message(
        action,
        verdict=report.verdict,
        outcome="ticket",
        contacts=CONTACTS,
        reference=ticket.reference,
    )
    assert len(raw) == 1  # the facility is open (24/7): no after-hours message
    assert (await stored(world, report.id)).ticket_reference == ticket.reference

    # Run again (a retried message): the same ticket, nothing new for anyone.
    before = await outbox_to(world.sessionmaker, PAUL_CHAT)
    _, [again], _ = await run(ActionPhishingReflexes(), answered(report.id, action))
    assert [t.id for t in await tickets(world.sessionmaker)] == [ticket.id]
    assert ticket.reference in again.html
    assert await outbox_to(world.sessionmaker, PAUL_CHAT) == before


async def test_a_reply_to_a_payment_request_is_a_high_ticket(world: World) -> None:
    report = await submit(world, "phishing/rib_subtle_reply.eml")
    assert report.asks_payment
    await run(ActionPhishingReflexes(), answered(report.id, "replied"))
    [ticket] = await tickets(world.sessionmaker)
    assert ticket.urgency == "high"
    assert "RIB" in ticket.problem


async def test_an_unregistered_person_gets_reflexes_oncall_and_how_to_register(
    world: World,
) -> None:
    report = await submit(world, "phishing/m365_mot_de_passe_expire.eml", sender=STRANGER)
    assert not report.registered
    events, [message], _ = await run(
        ActionPhishingReflexes(), answered(report.id, "credentials", sender=STRANGER)
    )
    assert events == RESET
    assert message == pt.reflexes_message(
        "credentials", verdict=report.verdict, outcome="not_registered_urgent", contacts=CONTACTS
    )
    plain = message.plain_text()
    assert "06 55 66 77 88" in plain and "lien d’inscription" in plain
    assert await tickets(world.sessionmaker) == []
    row = await stored(world, report.id)
    assert row.mail_action == "credentials" and row.notified_at is None
    assert await outbox_to(world.sessionmaker, PAUL_CHAT) == 0

    none = await submit(world, "phishing/colis_dhl_douane.eml", sender=STRANGER)
    _, [calm], _ = await run(ActionPhishingReflexes(), answered(none.id, "none", sender=STRANGER))
    assert "lien d’inscription" in calm.plain_text()


async def test_reflexes_even_when_the_report_is_not_found(world: World) -> None:
    events, [message], _ = await run(ActionPhishingReflexes(), answered(4242, "attachment"))
    assert events == RESET
    assert "câble réseau" in message.html and "Je n’arrive pas à transmettre" in message.html
    assert await tickets(world.sessionmaker) == []


async def test_cancelled_form_says_so_and_records_nothing(world: World) -> None:
    report = await submit(world, "phishing/colis_dhl_douane.eml")
    slots = {"phishing_report": str(report.id), "mail_action": "clicked", "form_cancelled": True}
    events, sent, _ = await run(ActionPhishingReflexes(), tracker(typed("/cancel"), slots=slots))
    assert events == RESET
    assert [m.html for m in sent] == [texts.render_text(pt.CANCELLED, CONTACTS)]
    assert (await stored(world, report.id)).mail_action is None


async def test_an_incident_revealed_instead_of_an_answer_opens_the_incident_form(
    world: World,
) -> None:
    report = await submit(world, "phishing/colis_dhl_douane.eml")
    slots = {"requested_slot": "mail_action", "phishing_report": str(report.id)}
    ransom = typed("mon écran affiche une rançon depuis tout à l'heure", "declare_incident", 0.9)
    events, sent, _ = await run(ValidatePhishingForm(), tracker(ransom, slots=slots, form=True))
    assert events == [
        SlotSet("incident_switch", True),
        SlotSet("form_cancelled", True),
        SlotSet("requested_slot", None),
    ]
    assert "câble réseau" in sent[0].plain_text()  # the reflexes at once
    # An answer the form understands stays the form's, even if Rasa reads an incident.
    opened = typed("j'ai ouvert la pièce jointe", "declare_incident", 0.9)
    events, _, _ = await run(ValidatePhishingForm(), tracker(opened, slots=slots, form=True))
    assert SlotSet("incident_switch", True) not in events
    # The form's end sets the report aside for the incident's own form.
    switched = {**slots, "incident_switch": True, "form_cancelled": True}
    events, _, raw = await run(ActionPhishingReflexes(), tracker(ransom, slots=switched))
    assert events[-1] == FollowupAction("action_start_incident")
    assert [m.get("response") for m in raw] == ["utter_mail_to_incident"]
