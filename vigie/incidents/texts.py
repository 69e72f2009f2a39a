"""Every French text about incidents: pages, the reporter's notices, the director's summary and
checklist, the declaration text, the 72-hour reminders.

Notifications are :class:`OutgoingMessage` (escaped Telegram HTML); the declaration is also
given as a plain-text document. Everything a user wrote is escaped; templates get French
typography (:func:`vigie.core.typography.fill`) before the values are filled in.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from vigie.core import callbacks
from vigie.core.hours import french_datetime, zone
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.reflexes import ISOLATION_STEPS, LOST_DEVICE_STEPS, numbered
from vigie.core.typography import fill, french_typography
from vigie.incidents.views import IncidentView
from vigie.people.texts import JOB_LABELS

#: The action of the incidents' buttons (``v:inc:t:<id>``, ``v:inc:b:<id>:<answer>``).
INCIDENT_ACTION = "inc"
TAKE_CODE = "t"
BREACH_CODE = "b"
CLOSE_CODE = "c"
#: Hours the GDPR gives to notify the CNIL (art. 33), from the discovery.
BREACH_HOURS = 72
PORTAL = "signalement.social-sante.gouv.fr"

KIND_LABELS: dict[str, str] = {
    "incident": "incident de sécurité",
    "lost_device": "appareil ou carte perdu ou volé",
}
URGENCY_LABELS: dict[str, str] = {"critical": "critique", "high": "haute"}
LOST_DEVICE_LABELS: dict[str, str] = {
    "phone": "téléphone",
    "laptop": "ordinateur portable",
    "tablet": "tablette",
    "cps_card": "carte CPS",
    "badge": "badge",
    "usb_key": "clé USB",
    "other": "autre",
}
CARE_LABELS: dict[str, str] = {"yes": "oui", "degraded": "avec difficulté", "no": "non"}
TRISTATE_LABELS: dict[str, str] = {"yes": "oui", "no": "non", "unknown": "on ne sait pas"}
BREACH_LABELS: dict[str, str] = {
    "notifiee": "Notifiée à la CNIL",
    "pas_necessaire": "Pas nécessaire",
    "dpo": "Le DPO s’en occupe",
}
NOT_SAID = "non précisé"
TAKE_LABEL = "Je m’en occupe"
CLOSE_LABEL = "Incident réglé : le clore"


# --- Buttons ---------------------------------------------------------------------------------


def take_payload(incident_id: int) -> str:
    """The callback data of « Je m'en occupe »."""
    return callbacks.encode(INCIDENT_ACTION, TAKE_CODE, incident_id)


def close_payload(incident_id: int) -> str:
    """The callback data of « Incident réglé : le clore » (the holder or a technician)."""
    return callbacks.encode(INCIDENT_ACTION, CLOSE_CODE, incident_id)


def breach_payload(incident_id: int, answer: str) -> str:
    """The callback data of one of the director's answers on the data breach."""
    if answer not in BREACH_LABELS:
        raise ValueError(f"unknown breach answer {answer!r}")
    return callbacks.encode(INCIDENT_ACTION, BREACH_CODE, incident_id, answer)


def _breach_buttons(incident_id: int) -> tuple[Button, ...]:
    return tuple(
        Button(french_typography(label), breach_payload(incident_id, code))
        for code, label in BREACH_LABELS.items()
    )


# --- Pieces ----------------------------------------------------------------------------------


def _esc(value: str | None) -> str:
    return html.escape(value) if value else NOT_SAID


def _label(labels: Mapping[str, str], code: str | None) -> str:
    return labels.get(code, code) if code else NOT_SAID


def numeric_datetime(at: datetime, tz_name: str) -> str:
    """``05/01/2026 à 03:00``, in the zone ``tz_name``."""
    local = at.astimezone(zone(tz_name))
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def breach_deadline(view: IncidentView) -> datetime:
    """The end of the 72 hours (discovery + 72 h)."""
    return view.discovered_at + timedelta(hours=BREACH_HOURS)


def _title(view: IncidentView) -> str:
    marker = "🔴" if view.urgency == "critical" else "🟠"
    return fill(
        "{marker} <b>{kind} {ref}</b> – urgence {urgency}",
        {
            "marker": marker,
            "kind": _label(KIND_LABELS, view.kind).capitalize(),
            "ref": view.reference,
            "urgency": _label(URGENCY_LABELS, view.urgency),
        },
    )


def _facility(view: IncidentView) -> str:
    return html.escape(f"{view.facility_name}, {view.facility_town}")


def _reporter(view: IncidentView) -> str:
    if view.reporter_job:
        return f"un membre du personnel ({JOB_LABELS.get(view.reporter_job, view.reporter_job)})"
    return "un membre du personnel"


def _answers(view: IncidentView) -> list[str]:
    """The form's answers, one line each (escaped HTML)."""
    lines: list[str] = []
    if view.kind == "lost_device":
        lines.append(fill("Quoi : {v}", {"v": _label(LOST_DEVICE_LABELS, view.lost_device)}))
        lines.append(fill("Quand : {v}", {"v": view.since or NOT_SAID}))
        lines.append(
            fill("Données de résidents dessus : {v}", {"v": TRISTATE_LABELS[view.data_affected]})
        )
        lines.append(
            fill("Verrouillé ou chiffré : {v}", {"v": _label(TRISTATE_LABELS, view.device_locked)})
        )
        if view.what:
            lines.append(fill("Détails : {v}", {"v": view.what}))
    else:
        lines.append(fill("Ce qui se passe : {v}", {"v": view.what or NOT_SAID}))
        lines.append(fill("Depuis : {v}", {"v": view.since or NOT_SAID}))
        lines.append(fill("Postes ou appareils touchés : {v}", {"v": view.extent or NOT_SAID}))
        lines.append(
            fill(
                "Les soins peuvent continuer : {v}",
                {"v": _label(CARE_LABELS, view.care_continues)},
            )
        )
        lines.append(
            fill("Données des résidents touchées : {v}", {"v": TRISTATE_LABELS[view.data_affected]})
        )
    lines.append(fill("Déjà fait : {v}", {"v": view.actions_taken or NOT_SAID}))
    return lines


def _card(view: IncidentView) -> str:
    head = [
        _title(view),
        _facility(view),
        fill(
            "Déclaré le {when} par {who}.",
            {
                "when": numeric_datetime(view.created_at, view.facility_timezone),
                "who": _reporter(view),
            },
        ),
    ]
    return "\n".join([*head, "", *_answers(view)])


def card_text(view: IncidentView) -> str:
    """The incident's card as plain text (the administrator's ``vigie incidents show``)."""
    return OutgoingMessage(_card(view)).plain_text()


#: The steps of the timeline, as the administrator reads them (``vigie incidents show``).
EVENT_LABELS: dict[str, str] = {
    "created": "déclaré",
    "completed": "questions répondues",
    "form_left": "questions laissées en cours",
    "paged": "alerté",
    "repaged": "relancé",
    "escalated": "alerte étendue à",
    "taken": "pris en charge",
    "reporter_told": "déclarant prévenu",
    "director_summary": "direction informée",
    "no_director": "aucun référent inscrit",
    "reminder": "rappel des 72 heures",
    "breach_answered": "réponse de la direction sur la CNIL",
    "closed": "clos",
}
STATUS_LABELS: dict[str, str] = {"open": "à prendre", "taken": "pris", "closed": "clos"}


# --- Paging (technicians, the on-call technician, then the referents) -------------------------


def page(view: IncidentView, *, repage: int = 0) -> OutgoingMessage:
    """The page with « Je m'en occupe »; ``repage``: the number of the reminder (0: first)."""
    lines: list[str] = []
    if repage:
        lines.append(
            fill("<b>Relance n° {n}</b> : personne n’a encore pris cet incident.", {"n": repage})
        )
    lines.append(_card(view))
    if not view.details_complete:
        lines.append("")
        lines.append(
            fill("<i>Le déclarant répond encore à mes questions : les précisions suivent.</i>")
        )
    lines.append("")
    lines.append(fill("Appuyez sur « {label} » si vous le prenez.", {"label": TAKE_LABEL}))
    return OutgoingMessage(
        "\n".join(lines), (Button(french_typography(TAKE_LABEL), take_payload(view.id)),)
    )


def details(view: IncidentView) -> OutgoingMessage:
    """To everyone paged, once the reporter has answered the form's questions."""
    head = fill(
        "<b>Précisions – {ref}</b> : le déclarant a répondu aux questions.", {"ref": view.reference}
    )
    buttons: tuple[Button, ...] = ()
    if view.status == "open" and view.taken_by_name is None:
        buttons = (Button(french_typography(TAKE_LABEL), take_payload(view.id)),)
    return OutgoingMessage("\n".join([head, _card(view)]), buttons)


def taken_by_you(view: IncidentView) -> OutgoingMessage:
    """To the person who took it, with the button to close it once it is dealt with."""
    return OutgoingMessage(
        fill(
            "C’est noté : vous prenez l’incident {ref}. "
            "Les autres personnes prévenues le savent, et le déclarant aussi. "
            "Quand il est réglé, appuyez sur « {label} ».",
            {"ref": view.reference, "label": CLOSE_LABEL},
        ),
        (Button(french_typography(CLOSE_LABEL), close_payload(view.id)),),
    )


def closed_by_you(view: IncidentView) -> OutgoingMessage:
    """To the person who closed it."""
    return OutgoingMessage(
        fill(
            "L’incident {ref} est clos. Le déclarant est prévenu. Les rappels des 72 heures "
            "continuent tant que la direction n’a pas répondu.",
            {"ref": view.reference},
        )
    )


def reporter_closed(view: IncidentView) -> OutgoingMessage:
    """To the reporter, once the incident is closed."""
    return OutgoingMessage(
        fill(
            "Votre signalement {ref} est clos : {name} indique que l’incident est réglé. "
            "Merci d’avoir prévenu vite. Un doute, un nouveau problème ? Écrivez-moi.",
            {"ref": view.reference, "name": view.taken_by_name or "le technicien"},
        )
    )


def already_taken(view: IncidentView) -> OutgoingMessage:
    """To someone who presses « Je m'en occupe » too late."""
    return OutgoingMessage(
        fill(
            "Déjà pris par {name}. Rien à faire de votre côté pour {ref}.",
            {"name": view.taken_by_name or "quelqu’un d’autre", "ref": view.reference},
        )
    )


def taken_notice(view: IncidentView) -> OutgoingMessage:
    """To the others who were paged: someone took it."""
    return OutgoingMessage(
        fill(
            "Incident {ref} pris en charge par {name}. Rien à faire de votre côté.",
            {"ref": view.reference, "name": view.taken_by_name or "quelqu’un"},
        )
    )


# --- The reporter ------------------------------------------------------------------------------


def reporter_declared(view: IncidentView, contacts: Mapping[str, str]) -> OutgoingMessage:
    """To the reporter, right after the declaration: what happens next, the reflexes again."""
    steps = LOST_DEVICE_STEPS if view.kind == "lost_device" else ISOLATION_STEPS
    if view.taken_by_name:
        next_step = fill("{name} s’en occupe déjà.", {"name": view.taken_by_name})
    else:
        next_step = fill("Je vous dis dès que quelqu’un s’en occupe.")
    text = (
        fill(
            "Votre signalement {ref} est enregistré. Les techniciens et l’astreinte sont "
            "prévenus. ",
            {"ref": view.reference},
        )
        + next_step
        + fill("\nEn attendant :\n")
        + fill(numbered(steps), contacts)
    )
    return OutgoingMessage(text)


def reporter_paged(view: IncidentView) -> OutgoingMessage:
    """To the reporter, as soon as the incident is declared (at the start of its form)."""
    return OutgoingMessage(
        fill(
            "J’ai prévenu les techniciens et l’astreinte : signalement {ref}. "
            "Je vous dis dès que quelqu’un s’en occupe.",
            {"ref": view.reference},
        )
    )


def reporter_taken(view: IncidentView) -> OutgoingMessage:
    """To the reporter, once someone said « Je m'en occupe »."""
    return OutgoingMessage(
        fill(
            "{name} s’occupe de votre signalement {ref}. Suivez ses consignes.",
            {"name": view.taken_by_name or "Un technicien", "ref": view.reference},
        )
    )


# --- The director's part ---------------------------------------------------------------------


def director_summary(view: IncidentView, contacts: Mapping[str, str]) -> OutgoingMessage:
    """The summary and the checklist (décret n° 2022-715, CNIL, complaint); with the
    data-breach buttons when residents' data may be exposed."""
    deadline = french_datetime(breach_deadline(view), view.facility_timezone)
    checklist = [
        "<b>À faire par la direction</b>",
        french_typography(
            "1. Est-ce grave au sens du décret n° 2022-715 ? Oui si cela touche la sécurité "
            "des soins, les données de santé ou le fonctionnement de l’établissement. "
            "Oui aussi si d’autres structures peuvent être touchées."
        ),
        fill(
            "2. Si c’est grave, déclarez-le sans attendre sur {portal} (espace professionnel). "
            "Le texte préparé suit ce message. Vigie n’envoie rien à votre place.",
            {"portal": PORTAL},
        ),
        fill(
            "3. Données personnelles touchées ? {dpo} décide de la notification à la CNIL. "
            "Délai : 72 heures après la découverte, soit avant {deadline}.",
            {"dpo": contacts.get("dpo_contact", "Le DPO"), "deadline": deadline},
        ),
        french_typography(
            "4. Portez plainte : au commissariat ou à la gendarmerie, ou sur 17cyber.gouv.fr."
        ),
    ]
    buttons: tuple[Button, ...] = ()
    if view.data_at_risk:
        checklist.append("")
        checklist.append(
            french_typography(
                "Des données de résidents peuvent être exposées. "
                "Dites-moi où en est la notification : je vous le rappellerai d’ici là."
            )
        )
        buttons = _breach_buttons(view.id)
    return OutgoingMessage("\n".join([_card(view), "", *checklist]), buttons)


def _impact_on_care(view: IncidentView) -> str:
    if view.care_continues == "no":
        return "les soins ne peuvent pas continuer normalement."
    if view.care_continues == "degraded":
        return "les soins continuent avec difficulté."
    if view.care_continues == "yes":
        return "pas d’effet sur les soins signalé."
    return "non précisé."


def _impact_on_data(view: IncidentView) -> str:
    if view.data_affected == "yes":
        return "des données de résidents peuvent être touchées."
    if view.data_affected == "no":
        return "aucune donnée de résident touchée selon le déclarant."
    return "à vérifier (le déclarant ne sait pas)."


def _impact_on_running(view: IncidentView) -> str:
    if view.kind == "lost_device":
        device = _label(LOST_DEVICE_LABELS, view.lost_device)
        locked = _label(TRISTATE_LABELS, view.device_locked)
        return french_typography(f"{device} perdu ou volé (verrouillé ou chiffré : {locked}).")
    return french_typography("postes ou appareils touchés :") + f" {view.extent or NOT_SAID}"


def declaration_lines(view: IncidentView, contacts: Mapping[str, str]) -> list[str]:
    """The declaration's fields as the portal asks them, one line each (plain text; French
    typography on the labels, never on what people wrote)."""
    tz = view.facility_timezone
    finess = f" (FINESS {view.facility_finess})" if view.facility_finess else ""
    contact = view.facility_contact or contacts.get("referent_contact") or NOT_SAID
    description = view.what or NOT_SAID
    if view.since:
        description += f" – depuis : {view.since}"
    fields = [
        ("Établissement", f"{view.facility_name}, {view.facility_town}{finess}"),
        ("Contact", contact),
        ("Date et heure de découverte", numeric_datetime(view.discovered_at, tz)),
        ("Date et heure du signalement à Vigie", numeric_datetime(view.created_at, tz)),
        ("Type d’incident", KIND_LABELS.get(view.kind, view.kind)),
        ("Description", description),
        ("Conséquences sur les soins", _impact_on_care(view)),
        ("Conséquences sur les données", _impact_on_data(view)),
        ("Conséquences sur le fonctionnement", _impact_on_running(view)),
        ("Mesures déjà prises", view.actions_taken or NOT_SAID),
        ("Référence Vigie", view.reference),
    ]
    head = [
        "Déclaration d’un incident de sécurité des systèmes d’information",
        f"Texte préparé par Vigie, à relire puis à saisir sur {PORTAL}. Vigie ne l’envoie pas.",
        "",
    ]
    return [*head, *(french_typography(f"{label} :") + f" {value}" for label, value in fields)]


def declaration_document(view: IncidentView, contacts: Mapping[str, str]) -> tuple[str, str]:
    """The declaration as a plain-text document: (file name, body)."""
    body = "\n".join(declaration_lines(view, contacts)) + "\n"
    return f"declaration-{view.reference}.txt", body


def declaration_message(view: IncidentView, contacts: Mapping[str, str]) -> OutgoingMessage:
    """The declaration as a message (escaped HTML), ready to copy into the portal."""
    lines = declaration_lines(view, contacts)
    return OutgoingMessage(
        "<b>" + html.escape(lines[0]) + "</b>\n" + html.escape("\n".join(lines[1:]))
    )


def declaration_payload(view: IncidentView, contacts: Mapping[str, str]) -> dict[str, object]:
    """The outbox payload of the declaration: the message, and the same text as a
    plain-text document (``declaration-INC-….txt``) the front end attaches to it (a message
    too long for a caption goes first, then the file)."""
    filename, body = declaration_document(view, contacts)
    payload = dict(declaration_message(view, contacts).to_custom())
    payload["document"] = {"filename": filename, "text": body}
    return payload


# --- The technicians' /tickets list ------------------------------------------------------------

#: At most this many « Je m'en occupe » buttons under the list.
MAX_LISTED_TAKE_BUTTONS = 8


def open_incidents(views: Sequence[IncidentView]) -> OutgoingMessage:
    """The incidents not closed yet, above the tickets of ``/tickets``: one line each, and
    « Je m'en occupe » for those nobody took."""
    lines = [fill("<b>Incidents en cours ({n})</b>", {"n": len(views)})]
    buttons: list[Button] = []
    for view in views:
        marker = "🔴" if view.urgency == "critical" else "🟠"
        state = (
            fill("pris par {name}", {"name": view.taken_by_name})
            if view.taken_by_name
            else fill("personne ne l’a pris")
        )
        lines.append(
            fill(
                "{marker} {ref} – {kind} – {facility} – {when} – ",
                {
                    "marker": marker,
                    "ref": view.reference,
                    "kind": _label(KIND_LABELS, view.kind),
                    "facility": view.facility_name,
                    "when": numeric_datetime(view.created_at, view.facility_timezone),
                },
            )
            + state
        )
        if view.taken_by_name is None and len(buttons) < MAX_LISTED_TAKE_BUTTONS:
            label = fill(
                "{label} {ref}", {"label": TAKE_LABEL, "ref": view.reference}, escape=False
            )
            buttons.append(Button(label, take_payload(view.id)))
    return OutgoingMessage("\n".join(lines), tuple(buttons))


# --- The helpdesk e-mail (plain text) ---------------------------------------------------------

#: What each follow-up e-mail says happened.
EMAIL_STEPS: dict[str, str] = {
    "completed": "Le déclarant a répondu aux questions : voici l’incident complété.",
    "taken": "Pris en charge par {name}.",
    "closed": "Incident clos par {name}.",
}


def email_subject(view: IncidentView, *, follow_up: bool = False) -> str:
    """``[INC-2026-00001] Incident de sécurité – EHPAD Les Tilleuls (urgence critique)``."""
    subject = " ".join(
        (
            f"[{view.reference}] {_label(KIND_LABELS, view.kind).capitalize()} – "
            f"{view.facility_name} (urgence {_label(URGENCY_LABELS, view.urgency)})"
        ).split()
    )
    return f"Re: {subject}" if follow_up else subject


def email_body(view: IncidentView, step: str | None = None) -> str:
    """The incident as plain text for the helpdesk (the page's card), after the step that
    happened for a follow-up."""
    lines: list[str] = []
    if step is not None:
        title = EMAIL_STEPS.get(step, step)
        lines += [french_typography(title.format(name=view.taken_by_name or "un technicien")), ""]
    lines.append(card_text(view))
    lines += [
        "",
        french_typography(
            "Déclaré dans Vigie. Prise en charge, relances et réponse de la direction : "
            "dans Telegram (« Je m’en occupe »)."
        ),
    ]
    return "\n".join(lines) + "\n"


def no_director(view: IncidentView) -> str:
    """Timeline note when the facility has no referent registered in Vigie."""
    return f"{view.reference}: no active referent registered for the facility"


# --- The 72 hours ------------------------------------------------------------------------------


def breach_reminder(view: IncidentView, now: datetime) -> OutgoingMessage:
    """A reminder before the 72 hours run out, with the answers as buttons."""
    deadline = breach_deadline(view)
    left = max(0, int((deadline - now).total_seconds() // 3600))
    text = fill(
        "<b>Rappel – {ref}</b> : les 72 heures pour notifier la CNIL finissent {deadline}. "
        "Il reste environ {left} heures.\n"
        "Le DPO a-t-il décidé ? Répondez avec un bouton.",
        {
            "ref": view.reference,
            "deadline": french_datetime(deadline, view.facility_timezone),
            "left": left,
        },
    )
    return OutgoingMessage(text, _breach_buttons(view.id))


def breach_answered(view: IncidentView, answer: str) -> OutgoingMessage:
    """To the director who answered: no more reminders."""
    return OutgoingMessage(
        fill(
            "C’est noté pour {ref} : « {answer} ». Je ne vous relancerai plus.",
            {"ref": view.reference, "answer": BREACH_LABELS[answer]},
        )
    )


# --- The buttons' refusals ---------------------------------------------------------------------

#: Short answers (toasts) when a button of an incident cannot be used.
REFUSALS: dict[str, str] = {
    "not_allowed": (
        "Ce bouton est réservé aux techniciens et à la direction ou au référent de l’établissement."
    ),
    "not_found": "Cet incident n’existe plus dans Vigie.",
    "bad_state": "Cet incident est déjà clos.",
    "expired": "Ce bouton n’est plus valable.",
}


def refusal(code: str) -> str:
    """Why a button of an incident did nothing (French, with its typography)."""
    return french_typography(REFUSALS.get(code, REFUSALS["expired"]))
