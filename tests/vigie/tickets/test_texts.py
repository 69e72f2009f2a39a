"""French texts about tickets: escaping, typography, buttons, e-mail, timeline."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from vigie.core.messages import OutgoingMessage
from vigie.tickets import texts as tt
from vigie.tickets.service import email_message_id
from vigie.tickets.views import EventView, TicketView

BAD_SPACING = re.compile(r" [:;?!»]|« ")

VIEW = TicketView(
    id=42,
    reference="VIG-2026-00042",
    facility_id=3,
    facility_name="EHPAD <Les> Tilleuls & Co",
    facility_hours="lun-ven 08:30-18:00",
    facility_timezone="Europe/Paris",
    requester_id=7,
    requester_job="care",
    problem="L'écran <b>reste</b> noir & le PC bipe",
    device="workstation",
    scope="service",
    care_impact="no",
    urgency="high",
    status="in_progress",
    assignee_name="Paul <admin>",
    created_at=datetime(2026, 11, 29, 13, 2, tzinfo=UTC),
    updated_at=datetime(2026, 11, 29, 13, 5, tzinfo=UTC),
    last_technician_message="Redémarrez <vite>",
    facility_town="Rodez",
    facility_finess="120000123",
)

EVENTS = [
    EventView(VIEW.created_at, "staff", "Demandeur (soins)", "created", None),
    EventView(
        datetime(2026, 11, 29, 13, 2, tzinfo=UTC), "technician", "Paul (technicien)", "taken", None
    ),
    EventView(
        datetime(2026, 11, 29, 13, 10, tzinfo=UTC),
        "technician",
        "Paul (technicien)",
        "technician_message",
        "Essayez <ça>",
    ),
]

BUILDERS: dict[str, Callable[[], OutgoingMessage]] = {
    "technician_new_ticket": lambda: tt.technician_new_ticket(VIEW),
    "technician_staff_info": lambda: tt.technician_staff_info(VIEW, "Info <x>: oui"),
    "technician_reopened": lambda: tt.technician_reopened(VIEW),
    "technician_closed": lambda: tt.technician_closed(VIEW),
    "staff_taken": lambda: tt.staff_taken(VIEW),
    "staff_message": lambda: tt.staff_technician_message(VIEW, "Texte <y>", ask=False),
    "staff_ask": lambda: tt.staff_technician_message(VIEW, "Texte <y>", ask=True),
    "staff_resolved": lambda: tt.staff_resolved(VIEW),
    "staff_confirmed_reply": lambda: tt.staff_confirmed_reply(VIEW),
    "staff_reopened_reply": lambda: tt.staff_reopened_reply(VIEW),
    "staff_status_list": lambda: tt.staff_status_list([VIEW]),
    "staff_status_list_empty": lambda: tt.staff_status_list([]),
}


def strip_tags(text: str) -> str:
    return re.sub(r"</?(b|i)>", "", text)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_messages_are_escaped_typographic_and_short(name: str) -> None:
    message = BUILDERS[name]()
    without_tags = strip_tags(message.html)
    assert "<" not in without_tags and ">" not in without_tags, message.html
    assert not BAD_SPACING.search(message.html), message.html
    assert len(message.html) < 4096
    for button in message.buttons:
        assert len(button.payload.encode()) <= 64


def test_new_ticket_for_technicians() -> None:
    message = tt.technician_new_ticket(VIEW)
    assert "VIG-2026-00042" in message.html
    assert "🟠" in message.html and "haute" in message.html
    assert "EHPAD &lt;Les&gt; Tilleuls &amp; Co, Rodez" in message.html
    assert "soins" in message.html and "poste" in message.html and "son service" in message.html
    assert "L&#x27;écran &lt;b&gt;reste&lt;/b&gt; noir &amp; le PC bipe" in message.html
    assert [(b.title, b.payload) for b in message.buttons] == [
        ("Prendre en charge", "v:take:42"),
        ("Répondre", "v:reply:42"),
        ("Demander une précision", "v:ask:42"),
        ("Résolu", "v:resolve:42"),
    ]
    long_problem = tt.technician_new_ticket(replace(VIEW, problem="a" * 5000))
    assert "a" * 1499 + "…" in long_problem.html and "a" * 1500 not in long_problem.html


def test_staff_messages() -> None:
    taken = tt.staff_taken(replace(VIEW, assignee_name="Paul"))
    assert taken.html == (
        "Votre demande <b>VIG-2026-00042</b> est prise en charge par Paul, technicien."
    )
    ask = tt.staff_technician_message(VIEW, "Quel écran ?", ask=True)
    assert "besoin d’une précision" in ask.html and "Quel écran ?" in ask.html
    [button] = ask.buttons
    assert button.title == "Ajouter une information"
    assert button.payload.startswith("/add_info")
    assert json.loads(button.payload.removeprefix("/add_info")) == {"ticket_ref": "VIG-2026-00042"}
    resolved = tt.staff_resolved(VIEW)
    assert "Est-ce réglé\u00a0?" in resolved.html
    assert [b.payload for b in resolved.buttons] == ["v:fixed:42", "v:notfixed:42"]
    status = tt.staff_status_list([VIEW, replace(VIEW, reference="VIG-2026-00043")])
    assert "VIG-2026-00043" in status.html and "prise en charge" in status.html
    assert "Redémarrez &lt;vite&gt;" in status.html
    assert "29/11/2026 à 14 h 02" in status.html  # Paris time
    assert "aucune demande" in tt.staff_status_list([]).html


def test_technician_list_and_detail() -> None:
    line = tt.ticket_line(VIEW)
    assert line.startswith("🟠 <b>VIG-2026-00042</b>")
    assert "29/11 14:02" in line
    listing = tt.technician_ticket_list([VIEW, VIEW])
    assert "Demandes ouvertes (2)" in listing
    assert tt.technician_ticket_list([]) == "Aucune demande ouverte."
    detail = tt.ticket_detail(VIEW, EVENTS)
    assert "29/11 14:02 — Paul (technicien)\u00a0: a pris en charge" in detail
    assert "29/11 14:10 — Paul (technicien)\u00a0: a répondu" in detail
    assert "Essayez &lt;ça&gt;" in detail
    assert "Demandeur (soins)\u00a0: a ouvert la demande" in detail
    assert "Paul &lt;admin&gt;" in detail
    assert not BAD_SPACING.search(detail)
    assert "<" not in strip_tags(detail).replace("&lt;", "")


def test_email_subject_and_body() -> None:
    view = replace(VIEW, facility_name="EHPAD Les Tilleuls")
    assert tt.email_subject(view) == "[VIG-2026-00042] poste – EHPAD Les Tilleuls (urgence haute)"
    assert tt.email_subject(view, follow_up=True).startswith("Re: [VIG-2026-00042] poste")
    body = tt.email_body(view, town="Rodez", finess=None)
    assert "Référence\u00a0: VIG-2026-00042" in body
    assert "FINESS\u00a0: non renseigné" in body
    assert "Fonction du demandeur\u00a0: soins" in body
    assert "Les soins peuvent continuer\u00a0: non" in body
    assert "Créée le\u00a0: 29/11/2026 à 14 h 02 (Europe/Paris)" in body
    assert "L'écran <b>reste</b> noir & le PC bipe" in body  # plain text, as written
    follow = tt.email_body(
        view,
        town="Rodez",
        finess="120000123",
        event_title=tt.email_event_title("staff_info"),
        event_text="Erreur 42",
        event_at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC),
    )
    assert follow.startswith("29/11/2026 à 16 h 00 — Le demandeur a ajouté une information\u00a0:")
    assert "Erreur 42" in follow.split("Référence")[0]
    assert not BAD_SPACING.search(follow)


def test_email_event_titles() -> None:
    assert tt.email_event_title("taken", "Paul") == "Paul (technicien) a pris la demande en charge."
    assert tt.email_event_title("taken") == "Un technicien a pris la demande en charge."
    # The name is a value: inserted as written, never reformatted.
    assert tt.email_event_title("technician_message", "N'Guessan {x} ?") == (
        "N'Guessan {x} ? (technicien) a répondu au demandeur\u00a0:"
    )
    for kind in tt.EMAIL_EVENT_TITLES:
        title = tt.email_event_title(kind, "Zoé")
        assert title and not BAD_SPACING.search(title) and "'" not in title
    body = tt.email_body(
        VIEW,
        town="Rodez",
        finess=None,
        event_title=tt.email_event_title("resolved", "Paul"),
        event_at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC),
    )
    head, fields = body.split("Référence")
    assert head.startswith("29/11/2026 à 16 h 00 — Paul (technicien) a indiqué que la demande")
    assert "Statut\u00a0: prise en charge\n" in fields


def test_message_ids() -> None:
    assert email_message_id("VIG-2026-00042", "vigie@ehpad.example") == (
        "<VIG-2026-00042@ehpad.example>"
    )
    assert email_message_id("VIG-2026-00042", "Vigie <vigie@ehpad.example>", 17) == (
        "<VIG-2026-00042.17@ehpad.example>"
    )
    assert email_message_id("VIG-2026-00042", "nobody") == "<VIG-2026-00042@vigie>"


def test_labels_cover_every_code() -> None:
    from vigie.people import roles
    from vigie.people import texts as people_texts
    from vigie.tickets import vocabulary

    for codes, labels in (
        (roles.ROLES, people_texts.ROLE_LABELS),
        (roles.JOBS, people_texts.JOB_LABELS),
        (vocabulary.DEVICES, tt.DEVICE_LABELS),
        (vocabulary.SCOPES, tt.SCOPE_LABELS),
        (vocabulary.CARE_IMPACTS, tt.CARE_IMPACT_LABELS),
        (vocabulary.URGENCIES, tt.URGENCY_LABELS),
        (vocabulary.TICKET_STATUSES, tt.STATUS_LABELS),
        (vocabulary.TICKET_STATUSES, tt.TECHNICIAN_STATUS_LABELS),
    ):
        assert set(labels) == set(codes)
        for value in labels.values():
            assert "'" not in value and not BAD_SPACING.search(value)


# --- « Ajouter une information », the requester's list, after hours -------------------------


def test_add_info_button_with_or_without_the_reference() -> None:
    plain = tt.add_info_button("VIG-2026-00042")
    named = tt.add_info_button("VIG-2026-00042", named=True)
    assert plain.title == "Ajouter une information"
    assert named.title == "Ajouter une information (VIG-2026-00042)"
    assert plain.payload == named.payload == '/add_info{"ticket_ref":"VIG-2026-00042"}'


def test_staff_status_lists_five_tickets_with_a_button_for_the_open_ones() -> None:
    views = [
        replace(VIEW, reference=f"VIG-2026-{n:05d}", status="closed" if n == 2 else "new")
        for n in range(1, 8)
    ]
    message = tt.staff_status(views)
    assert message.html == tt.staff_status_list(views[:5]).html
    assert [b.title for b in message.buttons] == [
        f"Ajouter une information (VIG-2026-{n:05d})" for n in (1, 3, 4, 5)
    ]
    assert [b.title for b in tt.choose_ticket_buttons(views)] == [
        f"Ajouter une information (VIG-2026-{n:05d})" for n in range(1, 6)
    ]
    assert tt.accepts_info(views[0]) and not tt.accepts_info(views[1])


def test_after_hours_says_when_a_technician_will_read_it() -> None:
    monday_noon = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # 12:00 in Paris
    assert tt.after_hours(VIEW, monday_noon) is None
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    closed = tt.after_hours(VIEW, saturday)
    assert closed is not None
    hours, when = closed
    assert "08:30" in hours or "8 h 30" in hours
    assert "lundi" in when
    with pytest.raises(ValueError):
        tt.after_hours(replace(VIEW, facility_hours="n'importe quand"), saturday)
