"""The tickets' codes are held once (vigie/tickets/vocabulary.py): domain.yml's buttons, the
labels, the form and the database constraints all follow it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from vigie.core.settings import ROOT
from vigie.people import roles
from vigie.people import texts as people_texts
from vigie.tickets import form, vocabulary
from vigie.tickets import texts as ticket_texts
from vigie.tickets.models import Ticket

INFORM_RE = re.compile(r"^/inform(\{.*\})$")


def _domain() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return loaded


def _choices(response: str) -> list[str]:
    """The ``choice`` codes of a response's buttons, in order (« Annuler » left out)."""
    [variant] = _domain()["responses"][response]
    codes = []
    for button in variant["buttons"]:
        match = INFORM_RE.match(button["payload"])
        if match is None:
            assert button["payload"] == "/cancel", button
            continue
        codes.append(json.loads(match.group(1))["choice"])
    return codes


@pytest.mark.parametrize(
    ("response", "codes"),
    [
        ("utter_ask_device", vocabulary.DEVICES),
        ("utter_ask_scope", vocabulary.SCOPES),
        ("utter_ask_care_impact", vocabulary.CARE_IMPACTS),
        ("utter_ask_ticket_urgency", vocabulary.URGENCIES),
        ("utter_ask_ticket_field", vocabulary.FIELDS),
        ("utter_ticket_summary", vocabulary.CONFIRMATIONS),
    ],
)
def test_domain_buttons_offer_exactly_the_vocabulary(response: str, codes: tuple[str, ...]) -> None:
    offered = _choices(response)
    assert len(offered) == len(set(offered))
    assert set(offered) == set(codes)


@pytest.mark.parametrize(
    ("labels", "codes"),
    [
        (ticket_texts.DEVICE_LABELS, vocabulary.DEVICES),
        (ticket_texts.SCOPE_LABELS, vocabulary.SCOPES),
        (ticket_texts.SCOPE_LABELS_THIRD_PERSON, vocabulary.SCOPES),
        (ticket_texts.CARE_IMPACT_LABELS, vocabulary.CARE_IMPACTS),
        (ticket_texts.URGENCY_LABELS, vocabulary.URGENCIES),
        (ticket_texts.URGENCY_MARKERS, vocabulary.URGENCIES),
        (ticket_texts.STATUS_LABELS, vocabulary.TICKET_STATUSES),
        (ticket_texts.ACTOR_KIND_LABELS, vocabulary.ACTOR_KINDS),
        (people_texts.ROLE_LABELS, roles.ROLES),
        (people_texts.JOB_LABELS, roles.JOBS),
    ],
)
def test_every_code_has_a_label(labels: dict[str, str], codes: tuple[str, ...]) -> None:
    assert set(labels) == set(codes)


def test_registration_offers_every_job() -> None:
    assert [code for _, code in people_texts.JOB_BUTTONS] == list(roles.JOBS)


def test_every_device_code_can_be_typed() -> None:
    """Each device code is understood when typed as its code (the form's own answers)."""
    for code in vocabulary.DEVICES:
        assert form.parse_device("", code) == code


def test_database_constraints_use_the_vocabulary() -> None:
    constraints = {
        str(c.name): str(getattr(c, "sqltext", ""))
        for c in Ticket.__table__.constraints
        if getattr(c, "sqltext", None) is not None
    }
    status = next(text for name, text in constraints.items() if name.endswith("status"))
    urgency = next(text for name, text in constraints.items() if name.endswith("urgency"))
    assert all(f"'{code}'" in status for code in vocabulary.TICKET_STATUSES)
    assert all(f"'{code}'" in urgency for code in vocabulary.URGENCIES)
