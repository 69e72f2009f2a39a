"""What the action modules share: the database and services, tracker helpers, sending.

Nothing is loaded at import time (the action server imports every module at start): the
settings are read on first use, and the database is opened (and migrated) on the first call
that needs it, once per action-server process (:func:`store`). The sender id Rasa gives is
the person's pseudonym, which is how people are found in the database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.forms import intent_of, wants_to_cancel
from vigie.core.channels import CHAT_CHANNELS
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import get_settings
from vigie.db.base import utcnow
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory, can_open_tickets
from vigie.phishing import texts as phishing_texts
from vigie.phishing.form import parse_report_id
from vigie.phishing.service import PhishingService
from vigie.phishing.views import ReportView
from vigie.tickets import texts as ticket_texts
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketView

logger = logging.getLogger(__name__)

DomainDict = dict[str, Any]

#: The entity of the forms' buttons (``/inform{"choice":"printer"}``).
CHOICE_ENTITY = "choice"
REPORT_ENTITY = REPORT_SLOT = "phishing_report"


# --- The database ----------------------------------------------------------------------------


@dataclass
class Store:
    directory: Directory
    tickets: TicketService
    sessions: async_sessionmaker[AsyncSession]


_stores: dict[str, Store] = {}
_stores_lock = asyncio.Lock()


async def store() -> Store:
    """The database, opened (and migrated) on first use in this process."""
    async with _stores_lock:
        if "store" not in _stores:
            settings = get_settings()
            try:
                await asyncio.to_thread(upgrade, settings.database_url)
            except Exception:  # the bot migrates too; a failure here must not stop actions
                logger.exception("Database migration from the action server failed")
            sessions = make_sessionmaker(create_engine(settings.database_url))
            _stores["store"] = Store(
                Directory(sessions), TicketService(sessions, settings), sessions
            )
        return _stores["store"]


async def close_store() -> None:
    """Close the database; the next :func:`store` opens it again (with fresh settings)."""
    opened = _stores.pop("store", None)
    if opened is not None:
        await opened.sessions.kw["bind"].dispose()


async def phishing_service() -> PhishingService:
    """The suspicious e-mail reports, on the action server's database."""
    return PhishingService((await store()).sessions, get_settings())


# --- Reading the tracker -----------------------------------------------------------------------


async def contacts(tracker: Tracker) -> dict[str, str]:
    """The provider's and the facility's contacts, for the texts: outside the provider's
    hours of the person's facility (``PROVIDER_HOURS`` in Paris time for a person without
    one), ``{call}`` gives the on-call number first. The database unreachable: the hours of
    the settings."""
    settings = get_settings()
    schedule: tuple[str, str] | None = None
    try:
        schedule = await (await store()).directory.hours_of(tracker.sender_id)
    except Exception:
        logger.exception("Facility hours unavailable")
    hours, timezone = schedule if schedule else (None, None)
    return settings.contacts_at(utcnow(), hours, timezone)


def entity(tracker: Tracker, name: str) -> str | None:
    """The value of entity ``name`` in the latest message (a button's payload), if any."""
    for found in tracker.latest_message.get("entities") or []:
        if isinstance(found, dict) and found.get("entity") == name:
            value = found.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def intent(tracker: Tracker) -> tuple[str | None, float]:
    """The intent of the latest message and its confidence."""
    return intent_of(tracker.latest_message)


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


def report_id(tracker: Tracker) -> int | None:
    """The report the conversation is about: the payload's entity, else the slot."""
    return parse_report_id(entity(tracker, REPORT_ENTITY) or tracker.get_slot(REPORT_SLOT))


# --- Answering -------------------------------------------------------------------------------


def send(dispatcher: CollectingDispatcher, *messages: OutgoingMessage) -> None:
    """Send Vigie's own messages (the front ends render them from the custom payload)."""
    for message in messages:
        dispatcher.utter_message(json_message=message.to_custom())


def reset_slots(names: tuple[str, ...]) -> list[EventType]:
    """Empty these slots."""
    return [SlotSet(name, None) for name in names]


def cancelled() -> list[EventType]:
    """Stop the form: its submit action then says that nothing was sent."""
    return [SlotSet("form_cancelled", True), SlotSet("requested_slot", None)]


#: Set when a form in progress ends for the incident's own form (cleared by
#: ``action_start_incident``, which starts that form).
INCIDENT_SWITCH = "incident_switch"


def switch_to_incident() -> list[EventType]:
    """End the form in progress because an incident or a loss was revealed instead of an
    answer: its submit action then follows with the incident form (:func:`incident_follows`)."""
    return [SlotSet(INCIDENT_SWITCH, True), *cancelled()]


def incident_follows(reset: list[EventType]) -> list[EventType]:
    """The submit action's events after :func:`switch_to_incident`: its slots reset, then
    ``action_start_incident`` (which starts the incident or lost-device form)."""
    return [*reset, FollowupAction("action_start_incident")]


async def may_declare(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, unavailable: str, not_registered: str
) -> bool:
    """Whether the person is registered with a facility (tickets and incidents need one);
    otherwise they are told, with the numbers to call (response ``unavailable`` when the
    directory cannot be read, else ``not_registered``)."""
    try:
        person = await (await store()).directory.person_by_sender(tracker.sender_id)
    except Exception:
        logger.exception("Directory unavailable")
        dispatcher.utter_message(response=unavailable, **(await contacts(tracker)))
        return False
    if not can_open_tickets(person):
        dispatcher.utter_message(response=not_registered, **(await contacts(tracker)))
        return False
    return True


class CancellableForm:
    """Mixin of the forms' validation: a clear « annuler » stops the form before any answer
    is read. A mixin, not an ``Action``: the action server registers every subclass of
    ``Action``, and this one has no name of its own."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if wants_to_cancel(tracker.latest_message):
            return cancelled()
        events: list[EventType] = await super().run(  # type: ignore[misc]
            dispatcher, tracker, domain
        )
        return events


def after_hours(dispatcher: CollectingDispatcher, view: TicketView) -> None:
    """Outside the provider's hours: when a technician will read it, and the on-call number."""
    try:
        closed = ticket_texts.after_hours(view, utcnow())
    except ValueError:
        logger.warning("Facility %s has unreadable hours", view.facility_id)
        return
    if closed is None:
        return
    hours, when = closed
    dispatcher.utter_message(
        response="utter_ticket_after_hours",
        hours=hours,
        when=when,
        oncall=get_settings().provider_oncall,
    )


async def show_verdict(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Send the verdict of the reported e-mail in one message; False (explained) when not
    found. Shared: the verdict action, and an e-mail sent during a form."""
    known = await contacts(tracker)
    identifier = report_id(tracker)
    view: ReportView | None = None
    if identifier is not None:
        try:
            view = await (await phishing_service()).get_for_reporter(tracker.sender_id, identifier)
        except Exception:
            logger.exception("Phishing report %s unavailable", identifier)
            send(dispatcher, phishing_texts.message(phishing_texts.UNAVAILABLE, known))
            return False
    if view is None:
        logger.info("Phishing report %s not found for this sender", identifier)
        send(dispatcher, phishing_texts.message(phishing_texts.NOT_FOUND, known))
        return False
    message = phishing_texts.verdict_message(
        verdict=view.verdict,
        reasons=view.reasons,
        subject=view.subject,
        truncated=view.truncated,
        contacts=known,
    )
    send(dispatcher, message)
    return True
