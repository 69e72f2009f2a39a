"""Whom to call, as the action server says it: the on-call number first outside the provider's
hours of the person's facility, the hotline first during them."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.faq import ActionIncidentReflexes, ActionLostDevice
from actions.incidents import ActionDeclareIncident, ActionStartIncident
from tests.auxil.actions import CONTACTS, SENDER, STRANGER, action_database
from tests.auxil.zones import zone_at_hour
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import ROOT
from vigie.incidents.models import Incident
from vigie.people.models import Facility

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
HOTLINE, ONCALL = CONTACTS["provider_hotline"], CONTACTS["provider_oncall"]


@pytest.fixture
async def sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with action_database(tmp_path, monkeypatch) as made:
        yield made


async def at_3_am(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The facility of SENDER, open on weekdays in the day, where it is now 3 a.m."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Facility).values(hours="lun-ven 08:00-18:00", timezone=zone_at_hour(3))
        )


def tracker(text: str, sender: str = SENDER) -> Tracker:
    message = {"text": text, "intent": {"name": "declare_incident", "confidence": 0.9}}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker(sender, {}, message, events, False, None, {}, "action_listen")


async def said(action: Action, sender: str = SENDER) -> str:
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker("au secours un écran de rançon", sender), DOMAIN)
    if inspect.isawaitable(result):
        await result
    texts = []
    for raw in dispatcher.messages:
        message = OutgoingMessage.from_rasa(raw)
        if message is not None:
            texts.append(message.plain_text())
        elif raw.get("response"):
            texts.append(str(raw))  # a domain response: its variables are the contacts
    return "\n".join(texts)


@pytest.mark.parametrize("action", [ActionIncidentReflexes(), ActionLostDevice()])
async def test_at_3_am_the_oncall_number_comes_first(
    sessions: async_sessionmaker[AsyncSession], action: Action
) -> None:
    day = await said(action)
    assert day.index(HOTLINE) < day.index(ONCALL)
    await at_3_am(sessions)
    night = await said(action)
    assert "Appelez l’astreinte de" in night
    assert night.index(ONCALL) < night.index(HOTLINE)


async def test_a_person_without_facility_gets_the_providers_hours(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await at_3_am(sessions)  # not the stranger's facility: PROVIDER_HOURS is 24/7
    text = await said(ActionIncidentReflexes(), STRANGER)
    assert text.index(HOTLINE) < text.index(ONCALL)


async def test_the_unregistered_refusal_fills_call(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionStartIncident().run(dispatcher, tracker("rançon", STRANGER), DOMAIN)
    [refusal] = [m for m in dispatcher.messages if m.get("response")]
    assert refusal["response"] == "utter_incident_not_registered"
    assert refusal["call"].index(HOTLINE) < refusal["call"].index(ONCALL)


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_declared_as_the_form_starts_and_cancel_keeps_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The incident is paged before the first question; « annuler » stops the questions, not
    the incident."""
    dispatcher = CollectingDispatcher()
    said = "au secours un écran de rançon sur le pc de l'infirmerie"
    events = await ActionStartIncident().run(dispatcher, tracker(said), DOMAIN)
    slots = slots_of(events)
    reference = slots["incident_ref"]
    assert reference.startswith("INC-") and slots["incident_what"] == said
    paged = [OutgoingMessage.from_rasa(m) for m in dispatcher.messages]
    assert any(m is not None and reference in m.plain_text() for m in paged)
    async with sessions() as session:
        incident = await session.scalar(select(Incident).where(Incident.reference == reference))
        assert incident is not None and not incident.details_complete
    dispatcher = CollectingDispatcher()
    form = {**slots, "incident_kind": "incident", "form_cancelled": True}
    cancel = Tracker(SENDER, form, {"text": "annuler"}, [], False, None, {}, "action_listen")
    await ActionDeclareIncident().run(dispatcher, cancel, DOMAIN)
    [stopped] = dispatcher.messages
    assert stopped["response"] == "utter_incident_questions_stopped"
    assert stopped["reference"] == reference
    async with sessions() as session:
        incident = await session.scalar(select(Incident).where(Incident.reference == reference))
        assert incident is not None and incident.details_complete and incident.status == "open"


async def test_the_same_message_sent_again_declares_one_incident(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The bot sends a message again after a failure in the middle of Rasa's turn: the key
    comes from its inbox id, so the incident is declared (and paged) once."""
    said = "au secours un écran de rançon sur le pc de l'infirmerie"
    references = []
    for _ in range(2):
        message = {
            "text": said,
            "intent": {"name": "declare_incident", "confidence": 0.9},
            "message_id": "inbox-7",
        }
        retry = Tracker(SENDER, {}, message, [], False, None, {}, "action_listen")
        events = await ActionStartIncident().run(CollectingDispatcher(), retry, DOMAIN)
        references.append(slots_of(events)["incident_ref"])
    assert references[0] == references[1]
    async with sessions() as session:
        assert len((await session.scalars(select(Incident))).all()) == 1
