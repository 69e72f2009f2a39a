"""What the reporter's answer leads to: the urgent ticket, the outcome told, the chat an
expected e-mail comes from (``vigie.phishing.service``, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from vigie.people.directory import PersonView
from vigie.phishing import texts as pt
from vigie.phishing.service import expected_chat, reflexes_outcome, ticket_draft, ticket_key
from vigie.phishing.views import ReportView
from vigie.tickets.views import TicketDraft

REPORT = ReportView(
    id=12,
    created_at=datetime(2026, 11, 29, 13, 2, tzinfo=UTC),
    campaign_id=3,
    sender="u-anne",
    channel="telegram",
    chat_id=1001,
    registered=True,
    facility_name="EHPAD Les Tilleuls",
    facility_town="Rodez",
    job="care",
    source="eml",
    filename="facture.eml",
    size=12_345,
    sha256="ab" * 32,
    verdict="dangereux",
    score=85,
    reasons=("Le message demande un mot de passe",),
    indicators=(),
    subject="Votre mot de passe expire",
    mail_action=None,
    ticket_reference=None,
    asks_payment=False,
    asks_credentials=True,
    campaign_verdict=None,
)
PERSON = PersonView(
    id=1,
    channel="telegram",
    chat_id=1001,
    sender="u-anne",
    facility_id=3,
    facility_name="EHPAD Les Tilleuls",
    role="staff",
    job="care",
    name=None,
    active=True,
)


@pytest.mark.parametrize(
    ("action", "urgency", "device", "care_impact"),
    [
        ("credentials", "critical", "email", "yes"),
        ("clicked_asked", "high", "email", "yes"),
        ("attachment", "critical", "workstation", "degraded"),
        ("replied", "normal", "email", "yes"),
    ],
)
def test_an_urgent_ticket_for_what_gave_something_away(
    action: str, urgency: str, device: str, care_impact: str
) -> None:
    assert ticket_draft(action, REPORT) == TicketDraft(
        problem=pt.ticket_problem(action, REPORT.id),
        device=device,
        scope="me",
        care_impact=care_impact,
        urgency=urgency,
    )


def test_a_reply_to_a_payment_request_is_high() -> None:
    paying = replace(REPORT, asks_payment=True)
    draft = ticket_draft("replied", paying)
    assert draft is not None and draft.urgency == "high"
    assert draft.problem == pt.ticket_problem("replied", REPORT.id, asks_payment=True)
    clicked = ticket_draft("clicked_asked", paying)
    assert clicked is not None and clicked.urgency == "high"


@pytest.mark.parametrize("action", ["none", "clicked", "unknown"])
def test_no_ticket_when_nothing_was_given_away(action: str) -> None:
    assert ticket_draft(action, REPORT) is None


def test_one_ticket_per_report() -> None:
    assert ticket_key(12) == "phishing-12"


@pytest.mark.parametrize(
    ("registered", "ticket", "recorded", "expected"),
    [
        (True, None, True, "reported"),
        (True, None, False, "failed"),
        (False, None, True, "not_registered"),
        (False, None, False, "not_registered"),
        (True, "ticket", True, "ticket"),
        (True, "ticket", False, "ticket"),
        (True, "ticket_failed", True, "ticket_failed"),
        (False, "not_registered_urgent", False, "not_registered_urgent"),
    ],
)
def test_the_outcome_told_to_the_reporter(
    registered: bool, ticket: pt.Outcome | None, recorded: bool, expected: str
) -> None:
    view = replace(REPORT, registered=registered)
    assert reflexes_outcome(view, ticket, recorded) == expected


def test_the_chat_an_expected_e_mail_comes_from() -> None:
    assert expected_chat(PERSON, "telegram") == ("telegram", 1001)
    assert expected_chat(PERSON, None) == ("telegram", 1001)
    assert expected_chat(PERSON, "terminal") == ("terminal", 0)
    assert expected_chat(None, "terminal") == ("terminal", 0)
    assert expected_chat(None, None) == ("telegram", 0)
