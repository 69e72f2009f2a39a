"""Every French text about tickets outside Rasa's dialogue.

Labels of the codes, the notifications (``OutgoingMessage``, escaped Telegram HTML), the
helpdesk e-mail (plain text), and the technicians' list and timeline. Everything written by
a user (problem, follow-ups, names, facility names) is escaped with :func:`html.escape`.
Templates go through :func:`french_typography` before values are filled in, so user texts are
never altered.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.core import callbacks
from vigie.core.hours import french_datetime, parse_hours
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import NBSP, fill, french_typography, truncate
from vigie.people.texts import JOB_LABELS
from vigie.tickets.views import EventView, TicketView

#: Longest problem text shown in a Telegram notification.
PROBLEM_PREVIEW_CHARS = 1500
#: Most tickets listed to their requester (status, choice of the ticket to add to).
MAX_TICKETS_SHOWN = 5

# --- Labels of the codes ------------------------------------------------------------------

DEVICE_LABELS: dict[str, str] = {
    "workstation": "poste",
    "printer": "imprimante",
    "care_software": "logiciel de soins",
    "email": "messagerie",
    "phone": "téléphone",
    "network": "Wi-Fi / réseau",
    "other": "autre",
}
SCOPE_LABELS: dict[str, str] = {
    "me": "moi",
    "service": "mon service",
    "facility": "tout l’établissement",
}
#: Who is affected, as seen by a technician ("moi" would be read as the technician).
SCOPE_LABELS_THIRD_PERSON: dict[str, str] = {
    "me": "le demandeur seul",
    "service": "son service",
    "facility": "tout l’établissement",
}
CARE_IMPACT_LABELS: dict[str, str] = {
    "yes": "oui",
    "degraded": "avec difficulté",
    "no": "non",
}
#: Short alias (used by the Rasa actions).
CARE_LABELS = CARE_IMPACT_LABELS
URGENCY_LABELS: dict[str, str] = {
    "low": "basse",
    "normal": "normale",
    "high": "haute",
    "critical": "critique",
}
URGENCY_MARKERS: dict[str, str] = {"critical": "🔴 ", "high": "🟠 ", "normal": "", "low": ""}
STATUS_LABELS: dict[str, str] = {
    "new": "reçue",
    "in_progress": "prise en charge",
    "waiting": "en attente de votre réponse",
    "resolved": "résolue, à confirmer",
    "closed": "clôturée",
    "reopened": "rouverte",
}
#: Statuses as technicians read them.
TECHNICIAN_STATUS_LABELS: dict[str, str] = {
    **STATUS_LABELS,
    "waiting": "en attente du demandeur",
    "resolved": "résolue, confirmation attendue",
}
#: What each event kind says on the timeline (after the actor).
EVENT_LABELS: dict[str, str] = {
    "created": "a ouvert la demande",
    "taken": "a pris en charge",
    "technician_message": "a répondu",
    "info_requested": "a demandé une précision",
    "staff_info": "a ajouté une information",
    "resolved": "a indiqué que c’est résolu",
    "confirmed": "a confirmé que c’est réglé",
    "reopened": "a indiqué que ce n’est pas réglé",
    "email_sent": "a transmis la demande par e-mail",
}
ACTOR_KIND_LABELS: dict[str, str] = {
    "staff": "demandeur",
    "technician": "technicien",
    "system": "Vigie",
    "admin": "administrateur",
}

# --- Buttons --------------------------------------------------------------------------------

TAKE_LABEL = "Prendre en charge"
REPLY_LABEL = "Répondre"
ASK_LABEL = "Demander une précision"
RESOLVE_LABEL = "Résolu"
FIXED_LABEL = "Oui, c’est réglé"
NOT_FIXED_LABEL = "Non, toujours un problème"
ADD_INFO_LABEL = "Ajouter une information"


def label(table: dict[str, str], code: str | None) -> str:
    """The label of ``code`` in ``table`` (the code itself when unknown, "—" when None)."""
    if code is None:
        return "—"
    return table.get(code, code)


def add_info_payload(reference: str) -> str:
    """The Rasa payload of « Ajouter une information » for a ticket."""
    return "/add_info" + json.dumps({"ticket_ref": reference}, separators=(",", ":"))


def technician_buttons(ticket_id: int) -> tuple[Button, ...]:
    return (
        Button(TAKE_LABEL, callbacks.encode("take", ticket_id)),
        Button(REPLY_LABEL, callbacks.encode("reply", ticket_id)),
        Button(ASK_LABEL, callbacks.encode("ask", ticket_id)),
        Button(RESOLVE_LABEL, callbacks.encode("resolve", ticket_id)),
    )


def staff_confirm_buttons(ticket_id: int) -> tuple[Button, ...]:
    return (
        Button(FIXED_LABEL, callbacks.encode("fixed", ticket_id)),
        Button(NOT_FIXED_LABEL, callbacks.encode("notfixed", ticket_id)),
    )


def add_info_button(reference: str, *, named: bool = False) -> Button:
    """« Ajouter une information » for a ticket; ``named`` puts the reference in the label
    (« Ajouter une information (REF) »), for lists of several tickets."""
    text = f"{ADD_INFO_LABEL} ({reference})" if named else ADD_INFO_LABEL
    return Button(text, add_info_payload(reference))


# --- Helpers --------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value))


def _fill(template: str, **values: str) -> str:
    """:func:`vigie.core.typography.fill` with values that are already escaped HTML."""
    return fill(template, values, escape=False)


def local_short(at: datetime, tz_name: str) -> str:
    """``"29/11 14:02"`` in the zone ``tz_name``."""
    return at.astimezone(ZoneInfo(tz_name)).strftime("%d/%m %H:%M")


def local_long(at: datetime, tz_name: str) -> str:
    """``"29/11/2026 à 14 h 02"`` in the zone ``tz_name``."""
    local = at.astimezone(ZoneInfo(tz_name))
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"


def requester_label(job: str | None) -> str:
    """How technicians see a requester: their job only, never their identity."""
    return f"demandeur ({label(JOB_LABELS, job)})" if job else "demandeur"


def _facility_line(view: TicketView) -> str:
    town = getattr(view, "facility_town", "")
    return _esc(view.facility_name) + (f", {_esc(town)}" if town else "")


def _ref(view: TicketView) -> str:
    return f"<b>{_esc(view.reference)}</b>"


# --- Notifications to technicians --------------------------------------------------------


def technician_new_ticket(view: TicketView) -> OutgoingMessage:
    """A new ticket, with the take / reply / ask / resolve buttons."""
    marker = URGENCY_MARKERS.get(view.urgency, "")
    lines = [
        _fill("{marker}Nouvelle demande {ref}", marker=marker, ref=_ref(view)),
        _fill("Urgence : <b>{u}</b>", u=_esc(label(URGENCY_LABELS, view.urgency))),
        _fill("Établissement : {f}", f=_facility_line(view)),
        _fill("Demandeur : {j}", j=_esc(label(JOB_LABELS, view.requester_job))),
        _fill("Matériel : {d}", d=_esc(label(DEVICE_LABELS, view.device))),
        _fill("Personnes touchées : {s}", s=_esc(label(SCOPE_LABELS_THIRD_PERSON, view.scope))),
        _fill(
            "Les soins peuvent continuer : {c}",
            c=_esc(label(CARE_IMPACT_LABELS, view.care_impact)),
        ),
        "",
        _fill("<b>Problème :</b>"),
        _esc(truncate(view.problem, PROBLEM_PREVIEW_CHARS, one_line=False)),
    ]
    return OutgoingMessage("\n".join(lines), technician_buttons(view.id))


def technician_staff_info(view: TicketView, text: str) -> OutgoingMessage:
    """The requester added information."""
    html_text = "\n".join(
        [
            _fill("Nouvelle information sur {ref} ({f}) :", ref=_ref(view), f=_facility_line(view)),
            _esc(truncate(text, PROBLEM_PREVIEW_CHARS, one_line=False)),
        ]
    )
    return OutgoingMessage(
        html_text,
        (
            Button(REPLY_LABEL, callbacks.encode("reply", view.id)),
            Button(ASK_LABEL, callbacks.encode("ask", view.id)),
            Button(RESOLVE_LABEL, callbacks.encode("resolve", view.id)),
        ),
    )


def technician_reopened(view: TicketView) -> OutgoingMessage:
    """The requester says the problem is not fixed."""
    marker = URGENCY_MARKERS.get(view.urgency, "")
    html_text = _fill(
        "{marker}Demande {ref} rouverte ({f}) : le demandeur indique que le problème n’est "
        "pas réglé.",
        marker=marker,
        ref=_ref(view),
        f=_facility_line(view),
    )
    return OutgoingMessage(html_text, technician_buttons(view.id))


def technician_closed(view: TicketView) -> OutgoingMessage:
    """The requester confirmed the fix."""
    return OutgoingMessage(
        _fill("✅ Demande {ref} clôturée : le demandeur confirme que c’est réglé.", ref=_ref(view))
    )


# --- Notifications to the requester ----------------------------------------------------------


def _technician_name(view: TicketView) -> str:
    return _esc(view.assignee_name) if view.assignee_name else "un technicien"


def staff_taken(view: TicketView) -> OutgoingMessage:
    """« Votre demande VIG-… est prise en charge par Paul, technicien. »"""
    name = view.assignee_name
    who = f"{_esc(name)}, technicien" if name else "un technicien"
    return OutgoingMessage(
        _fill("Votre demande {ref} est prise en charge par {who}.", ref=_ref(view), who=who)
    )


def staff_technician_message(view: TicketView, text: str, *, ask: bool) -> OutgoingMessage:
    """A technician's message; ``ask``: the technician needs an answer."""
    if ask:
        head = _fill(
            "{name}, technicien, a besoin d’une précision sur votre demande {ref} :",
            name=_technician_name(view),
            ref=_ref(view),
        )
        tail = _fill("Répondez avec le bouton « Ajouter une information ».")
    else:
        head = _fill(
            "Message de {name}, technicien, sur votre demande {ref} :",
            name=_technician_name(view),
            ref=_ref(view),
        )
        tail = ""
    lines = [head, "", _esc(truncate(text, 3000, one_line=False))]
    if tail:
        lines += ["", tail]
    return OutgoingMessage("\n".join(lines), (add_info_button(view.reference),))


def staff_resolved(view: TicketView) -> OutgoingMessage:
    """« … a été résolue. Est-ce réglé ? » with Oui / Non."""
    return OutgoingMessage(
        _fill(
            "Votre demande {ref} a été résolue par {name}. Est-ce réglé ?",
            ref=_ref(view),
            name=_technician_name(view),
        ),
        staff_confirm_buttons(view.id),
    )


def staff_auto_closed(view: TicketView, days: int) -> OutgoingMessage:
    """A resolved ticket the requester never confirmed, closed after ``days`` days."""
    return OutgoingMessage(
        _fill(
            "Votre demande {ref} était résolue et sans nouvelle de votre part depuis {days} "
            "jours{nbsp}: je l’ai clôturée. Si le problème revient, écrivez-moi, j’ouvrirai "
            "une nouvelle demande.",
            ref=_ref(view),
            days=str(days),
        )
    )


def staff_confirmed_reply(view: TicketView) -> OutgoingMessage:
    """The answer to « Oui, c’est réglé »."""
    return OutgoingMessage(_fill("Merci ! La demande {ref} est clôturée.", ref=_ref(view)))


def staff_reopened_reply(view: TicketView) -> OutgoingMessage:
    """The answer to « Non, toujours un problème »."""
    return OutgoingMessage(
        _fill(
            "C’est noté : la demande {ref} est rouverte et les techniciens sont prévenus.",
            ref=_ref(view),
        ),
        (add_info_button(view.reference),),
    )


# --- Lists and details -------------------------------------------------------------------------


def ticket_line(view: TicketView) -> str:
    """One line of the technicians' list (HTML)."""
    marker = URGENCY_MARKERS.get(view.urgency, "")
    return _fill(
        "{marker}{ref} · {u} · {f} · {d} · {s} · {at}",
        marker=marker,
        ref=_ref(view),
        u=_esc(label(URGENCY_LABELS, view.urgency)),
        f=_esc(view.facility_name),
        d=_esc(label(DEVICE_LABELS, view.device)),
        s=_esc(label(TECHNICIAN_STATUS_LABELS, view.status)),
        at=local_short(view.created_at, view.facility_timezone),
    )


def technician_ticket_list(views: Sequence[TicketView]) -> str:
    """The technicians' ``/tickets`` answer (HTML)."""
    if not views:
        return _fill("Aucune demande ouverte.")
    head = _fill("<b>Demandes ouvertes ({n})</b>", n=str(len(views)))
    return "\n".join([head, *(ticket_line(v) for v in views)])


def event_line(event: EventView, tz_name: str) -> str:
    """``29/11 14:02 — Paul (technicien) : a pris en charge`` (HTML), then the text if any."""
    what = label(EVENT_LABELS, event.kind)
    line = _fill(
        "{at} — {who} : {what}",
        at=local_short(event.at, tz_name),
        who=_esc(event.actor_label),
        what=_esc(what),
    )
    if event.text:
        line += f"\n    <i>{_esc(truncate(event.text, 800, one_line=False))}</i>"
    return line


def ticket_detail(view: TicketView, events: Iterable[EventView]) -> str:
    """One ticket for technicians: every field, the problem and the timeline (HTML)."""
    marker = URGENCY_MARKERS.get(view.urgency, "")
    lines = [
        _fill("{marker}Demande {ref}", marker=marker, ref=_ref(view)),
        _fill("Statut : {s}", s=_esc(label(TECHNICIAN_STATUS_LABELS, view.status))),
        _fill("Urgence : <b>{u}</b>", u=_esc(label(URGENCY_LABELS, view.urgency))),
        _fill("Établissement : {f}", f=_facility_line(view)),
        _fill("Demandeur : {j}", j=_esc(label(JOB_LABELS, view.requester_job))),
        _fill("Matériel : {d}", d=_esc(label(DEVICE_LABELS, view.device))),
        _fill("Personnes touchées : {s}", s=_esc(label(SCOPE_LABELS_THIRD_PERSON, view.scope))),
        _fill(
            "Les soins peuvent continuer : {c}",
            c=_esc(label(CARE_IMPACT_LABELS, view.care_impact)),
        ),
        _fill("Technicien : {t}", t=_esc(view.assignee_name) if view.assignee_name else "personne"),
        "",
        _fill("<b>Problème :</b>"),
        _esc(truncate(view.problem, PROBLEM_PREVIEW_CHARS, one_line=False)),
        "",
        _fill("<b>Historique :</b>"),
    ]
    lines += [event_line(e, view.facility_timezone) for e in events] or ["—"]
    return "\n".join(lines)


def staff_status_list(views: Sequence[TicketView]) -> OutgoingMessage:
    """The requester's open tickets with their status and the last technician message
    (no buttons: the caller adds « Ajouter une information » where it fits)."""
    if not views:
        return OutgoingMessage(_fill("Vous n’avez aucune demande en cours."))
    blocks = [
        _fill("<b>Vos demandes en cours</b>")
        if len(views) > 1
        else _fill("<b>Votre demande en cours</b>")
    ]
    for view in views:
        block = [
            _fill(
                "{ref} ({d}, le {at}) : <b>{s}</b>",
                ref=_ref(view),
                d=_esc(label(DEVICE_LABELS, view.device)),
                at=local_long(view.created_at, view.facility_timezone),
                s=_esc(label(STATUS_LABELS, view.status)),
            )
        ]
        if view.last_technician_message:
            block.append(
                _fill(
                    "Dernier message du technicien : « {m} »",
                    m=_esc(truncate(view.last_technician_message, 500)),
                )
            )
        blocks.append("\n".join(block))
    return OutgoingMessage("\n\n".join(blocks))


def staff_status(views: Sequence[TicketView]) -> OutgoingMessage:
    """The requester's tickets (the first ``MAX_TICKETS_SHOWN``), with « Ajouter une
    information (REF) » for each one that is not closed."""
    shown = views[:MAX_TICKETS_SHOWN]
    message = staff_status_list(shown)
    buttons = tuple(add_info_button(v.reference, named=True) for v in shown if accepts_info(v))
    return OutgoingMessage(message.html, message.buttons + buttons)


def choose_ticket_buttons(views: Sequence[TicketView]) -> list[Button]:
    """« Ajouter une information (REF) » for each ticket to choose from."""
    return [add_info_button(v.reference, named=True) for v in views[:MAX_TICKETS_SHOWN]]


def accepts_info(view: TicketView) -> bool:
    """The requester can still add information to the ticket (it is not closed)."""
    return view.status != "closed"


def after_hours(view: TicketView, now: datetime) -> tuple[str, str] | None:
    """Outside the facility's provider hours: the hours and when a technician will read the
    ticket (``None`` during the hours). Raises ``ValueError`` for unreadable hours."""
    schedule = parse_hours(view.facility_hours)
    if schedule.is_open(now, view.facility_timezone):
        return None
    opening = schedule.next_opening(now, view.facility_timezone)
    return schedule.describe(), french_datetime(opening, view.facility_timezone)


# --- The helpdesk e-mail --------------------------------------------------------------------------


def email_subject(view: TicketView, *, follow_up: bool = False) -> str:
    """``[VIG-2026-00042] poste – EHPAD Les Tilleuls (urgence haute)``; ``Re: `` for follow-ups."""
    subject = (
        f"[{view.reference}] {label(DEVICE_LABELS, view.device)} – {view.facility_name} "
        f"(urgence {label(URGENCY_LABELS, view.urgency)})"
    )
    subject = " ".join(subject.split())  # no line breaks in a header
    return f"Re: {subject}" if follow_up else subject


#: What each follow-up e-mail reports (``{who}``: "Paul (technicien)").
EMAIL_EVENT_TITLES: dict[str, str] = {
    "staff_info": "Le demandeur a ajouté une information :",
    "reopened": "Le demandeur indique que le problème n’est pas réglé : demande rouverte.",
    "taken": "{who} a pris la demande en charge.",
    "technician_message": "{who} a répondu au demandeur :",
    "info_requested": "{who} a demandé une précision au demandeur :",
    "resolved": "{who} a indiqué que la demande est résolue ; le demandeur doit confirmer.",
    "confirmed": "Le demandeur a confirmé que le problème est réglé : demande clôturée.",
}


def email_event_title(kind: str, technician: str | None = None) -> str:
    """The first line of a follow-up e-mail for an event ``kind`` (a key of
    :data:`EMAIL_EVENT_TITLES`); ``technician``: the name of the technician who acted."""
    who = f"{technician} (technicien)" if technician else "Un technicien"
    return french_typography(EMAIL_EVENT_TITLES[kind]).format(who=who)


def email_body(
    view: TicketView,
    *,
    town: str,
    finess: str | None,
    event_title: str | None = None,
    event_text: str | None = None,
    event_at: datetime | None = None,
) -> str:
    """The plain-text body: the follow-up (if any: ``event_title`` from
    :func:`email_event_title`, its text and time), then every field of the ticket."""

    def field(name: str, value: str) -> str:
        return f"{name}{NBSP}: {value}"

    tz = view.facility_timezone
    lines: list[str] = []
    if event_title:
        when = local_long(event_at, tz) if event_at else ""
        lines += [f"{when} — {event_title}" if when else event_title]
        if event_text:
            lines += ["", event_text.strip()]
        lines += ["", "-" * 40, ""]
    lines += [
        field("Référence", view.reference),
        field("Établissement", view.facility_name),
        field("Commune", town or "—"),
        field("FINESS", finess or "non renseigné"),
        field("Fonction du demandeur", label(JOB_LABELS, view.requester_job)),
        field("Matériel concerné", label(DEVICE_LABELS, view.device)),
        field("Personnes touchées", label(SCOPE_LABELS_THIRD_PERSON, view.scope)),
        field("Les soins peuvent continuer", label(CARE_IMPACT_LABELS, view.care_impact)),
        field("Urgence", label(URGENCY_LABELS, view.urgency)),
        field("Statut", label(TECHNICIAN_STATUS_LABELS, view.status)),
        field("Créée le", f"{local_long(view.created_at, tz)} ({tz})"),
        "",
        f"Problème{NBSP}:",
        view.problem.strip(),
        "",
        "--",
        french_typography(
            "Message envoyé automatiquement par Vigie. Les techniciens suivent cette demande "
            "dans Telegram ; le demandeur n’est pas joignable par retour d’e-mail."
        ),
    ]
    return "\n".join(lines) + "\n"
