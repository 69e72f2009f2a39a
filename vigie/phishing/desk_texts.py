"""Every French text about suspicious e-mail reports that technicians read, and the notices
the domain queues for staff (the technicians' verdict, the staff warning).

Messages are ``OutgoingMessage`` (escaped Telegram HTML); toasts are plain text (Telegram
shows them as they are, at most 200 characters). Everything that comes from the e-mail
(subject, reasons quoting it, indicators) or from a user (names, facility names) is escaped
with :func:`html.escape`; templates go through :func:`french_typography` before the values
are filled in, so those values are never altered.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.core import callbacks
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import NBSP, fill, french_typography, truncate
from vigie.people.texts import JOB_LABELS
from vigie.phishing.mailcheck.defang import defang_domain
from vigie.phishing.views import CampaignView, ReportView

#: Longest subject shown (in technicians' messages as in staff notices).
SUBJECT_CHARS = 120
#: Indicators shown in a technician's report, and the longest one.
MAX_INDICATORS = 12
INDICATOR_CHARS = 200
#: Telegram shows at most 200 characters in a toast.
TOAST_CHARS = 200
TIMEZONE = "Europe/Paris"

# --- Labels of the codes ------------------------------------------------------------------

#: The analyser's verdicts.
MAIL_VERDICT_MARKERS: dict[str, str] = {"dangereux": "🔴", "douteux": "🟠", "sans_danger": "🟢"}
MAIL_VERDICT_LABELS: dict[str, str] = {
    "dangereux": "dangereux",
    "douteux": "douteux",
    "sans_danger": "probablement sans danger",
}
#: The technicians' verdicts of a campaign.
TECH_VERDICT_LABELS: dict[str, str] = {
    "phishing": "hameçonnage",
    "spam": "spam",
    "legit": "légitime",
}
TECH_VERDICT_MARKERS: dict[str, str] = {"phishing": "🔴", "spam": "🟡", "legit": "🟢"}
#: What the reporter did, as technicians read it (third person).
MAIL_ACTION_LABELS: dict[str, str] = {
    "none": "rien (ni clic, ni réponse)",
    "clicked": "a cliqué sur un lien (la page n’a rien demandé)",
    "clicked_asked": "a cliqué sur un lien et la page a demandé quelque chose",
    "credentials": "a saisi un mot de passe ou un code",
    "attachment": "a ouvert la pièce jointe",
    "replied": "a répondu à l’expéditeur",
}
NO_ACTION_LABEL = "non précisé (pas de réponse)"
#: A report of the reporting mailbox: nobody could be asked.
MAILBOX_ACTION_LABEL = "non précisé (signalement par mail, la personne n’a pas pu être interrogée)"
SOURCE_LABELS: dict[str, str] = {
    "eml": "fichier e-mail",
    "text": "texte copié-collé",
    "photo": "photo ou capture d’écran (texte lu par OCR)",
    "msg": "fichier Outlook (.msg)",
    "mailbox": "mail transféré à la boîte de signalement",
}
WARN_SCOPE_LABELS: dict[str, str] = {
    "facilities": "les établissements concernés",
    "all": "tous les établissements",
}

# --- Buttons (callback data of the desk, at most 64 bytes) ---------------------------------

#: The action of every suspicious e-mail button: ``v:ph:<step>:…`` (vigie/core/callbacks.py).
PHISHING_ACTION = "ph"
#: ``v:ph:v:<campaign>:<code>``: the technicians' verdict.
VERDICT_CODES: dict[str, str] = {"p": "phishing", "s": "spam", "l": "legit"}
#: ``v:ph:ws:<campaign>:<code>``: who to warn.
SCOPE_CODES: dict[str, str] = {"f": "facilities", "a": "all"}
CANCEL_PAYLOAD = callbacks.encode(PHISHING_ACTION, "x")

PHISHING_LABEL = "Hameçonnage"
SPAM_LABEL = "Spam"
LEGIT_LABEL = "Légitime"
WARN_LABEL = "Prévenir le personnel"
CANCEL_LABEL = "Annuler"
#: The staff warning's button: it starts the report conversation again.
WARNING_BUTTON_LABEL = "J’ai cliqué ou répondu"
WARNING_BUTTON_PAYLOAD = "/report_phishing"
#: « Comment le reconnaître ? » under a staff warning: the signs of that campaign's mail.
LESSON_ACTION = "phl"
LESSON_BUTTON_LABEL = "Comment le reconnaître\u00a0?"
LESSON_NO_SIGNS = "Je n’ai pas d’indice à montrer pour ce mail : dans le doute, ne cliquez pas."
LESSON_END = (
    "Un mail vous semble pareil ? Ne cliquez sur rien et envoyez-le-moi ici (📎) : je le vérifie."
)

#: Added by the dispatcher to a document's caption when the original was purged.
ORIGINAL_GONE = "(fichier original supprimé)"

#: Refusals, by ``PhishingError.code`` (for toasts: plain text).
ERROR_TEXTS: dict[str, str] = {
    "not_found": "Ce signalement ou cette campagne n’existe plus.",
    "not_technician": "Réservé aux techniciens.",
    "bad_value": "Choix inconnu.",
    "already_warned": "Le personnel a déjà été prévenu pour cette campagne.",
    "nobody": f"Personne à prévenir{NBSP}: aucun membre du personnel inscrit dans ce périmètre.",
    "judged_legit": (
        f"Pas d’alerte{NBSP}: ce mail a été classé légitime. Changez d’abord le verdict s’il "
        "s’agit bien d’un faux mail."
    ),
}


def _code_for(table: dict[str, str], value: str) -> str:
    for code, name in table.items():
        if name == value:
            return code
    raise ValueError(f"unknown value {value!r}")


def verdict_payload(campaign_id: int, verdict: str) -> str:
    """``v:ph:v:3:p`` for « Hameçonnage » on campaign 3."""
    return callbacks.encode(PHISHING_ACTION, "v", campaign_id, _code_for(VERDICT_CODES, verdict))


def warn_payload(campaign_id: int) -> str:
    """``v:ph:w:3``: « Prévenir le personnel » (then the choice of scope)."""
    return callbacks.encode(PHISHING_ACTION, "w", campaign_id)


def warn_scope_payload(campaign_id: int, scope: str) -> str:
    """``v:ph:ws:3:f`` (the campaign's facilities) or ``v:ph:ws:3:a`` (all)."""
    return callbacks.encode(PHISHING_ACTION, "ws", campaign_id, _code_for(SCOPE_CODES, scope))


def report_buttons(campaign_id: int) -> tuple[Button, ...]:
    """Under a report: the three verdicts, then « Prévenir le personnel »."""
    return (
        Button(PHISHING_LABEL, verdict_payload(campaign_id, "phishing")),
        Button(SPAM_LABEL, verdict_payload(campaign_id, "spam")),
        Button(LEGIT_LABEL, verdict_payload(campaign_id, "legit")),
        Button(WARN_LABEL, warn_payload(campaign_id)),
    )


# --- Helpers --------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value))


def _fill(template: str, **values: str) -> str:
    """:func:`vigie.core.typography.fill` with values that are already escaped HTML."""
    return fill(template, values, escape=False)


def subject_html(subject: str) -> str:
    """The subject, escaped and shortened, between « »; « (sans objet) » when empty."""
    cleaned = truncate(subject, SUBJECT_CHARS)
    if not cleaned:
        return "(sans objet)"
    return f"«{NBSP}{_esc(cleaned)}{NBSP}»"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 personne``, ``2 personnes``; 0 takes the singular in French."""
    word = singular if count <= 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def _people(count: int) -> str:
    return plural(count, "personne")


def _facilities(count: int) -> str:
    return plural(count, "établissement")


def _local(at: datetime) -> str:
    local = at.astimezone(ZoneInfo(TIMEZONE))
    return f"{local:%d/%m} à {local.hour} h {local.minute:02d}"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size}{NBSP}o"
    if size < 1024 * 1024:
        return f"{size // 1024}{NBSP}Ko"
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + f"{NBSP}Mo"


def _facility(report: ReportView) -> str:
    if not report.facility_name:
        return "non inscrit"
    town = f", {_esc(report.facility_town)}" if report.facility_town else ""
    return _esc(report.facility_name) + town


def _action(mail_action: str | None, source: str = "") -> str:
    if mail_action is None:
        return MAILBOX_ACTION_LABEL if source == "mailbox" else NO_ACTION_LABEL
    return MAIL_ACTION_LABELS.get(mail_action, mail_action)


def _technician(name: str | None) -> str:
    return _esc(name) if name else "un technicien"


def campaign_counts(campaign: CampaignView) -> str:
    """« Campagne n° 3 : 4 signalements, 3 personnes, 2 établissements » (HTML)."""
    return _fill(
        "Campagne n° {id} : {reports}, {people}, {facilities}",
        id=str(campaign.id),
        reports=plural(campaign.reports, "signalement"),
        people=_people(campaign.people),
        facilities=_facilities(campaign.facilities),
    )


# --- Technicians: a report, its original, notes ------------------------------------------


def technician_report(report: ReportView, campaign: CampaignView) -> OutgoingMessage:
    """A new report: verdict, campaign, subject, facility, what the person did, reasons,
    defanged indicators; buttons Hameçonnage / Spam / Légitime / Prévenir le personnel."""
    marker = MAIL_VERDICT_MARKERS.get(report.verdict, "")
    lines = [
        _fill(
            "{marker} <b>Mail suspect, signalement n° {id}</b> : {verdict} (score {score})",
            marker=marker,
            id=str(report.id),
            verdict=_esc(MAIL_VERDICT_LABELS.get(report.verdict, report.verdict)),
            score=str(report.score),
        )
    ]
    if campaign.reports > 1:
        lines.append(campaign_counts(campaign))
    lines += [
        _fill("Objet : {s}", s=subject_html(report.subject)),
        _fill("Établissement : {f}", f=_facility(report)),
    ]
    if report.job:
        lines.append(_fill("Métier : {j}", j=_esc(JOB_LABELS.get(report.job, report.job))))
    lines += [
        _fill(
            "Reçu : {source} ({size})",
            source=SOURCE_LABELS.get(report.source, report.source),
            size=_size(report.size),
        ),
        _fill(
            "<b>Ce que la personne a fait :</b> {a}",
            a=_esc(_action(report.mail_action, report.source)),
        ),
    ]
    if report.ticket_reference:
        lines.append(_fill("Demande : <b>{r}</b>", r=_esc(report.ticket_reference)))
    if report.reasons:
        lines += ["", _fill("<b>Raisons :</b>")]
        lines += [f"• {_esc(reason)}" for reason in report.reasons]
    indicators = [truncate(i, INDICATOR_CHARS) for i in report.indicators[:MAX_INDICATORS]]
    if indicators:
        lines += ["", _fill("<b>Indicateurs (désamorcés) :</b>")]
        lines += [f"<code>{_esc(indicator)}</code>" for indicator in indicators]
    lines += ["", _fill("Votre verdict ? Le document suit ce message.")]
    return OutgoingMessage("\n".join(lines), report_buttons(campaign.id))


def document_caption(report_id: int) -> OutgoingMessage:
    """The caption of the original file sent as a document."""
    return OutgoingMessage(
        _fill(
            "Message original du signalement n° {id} — à n’ouvrir que dans un environnement "
            "d’analyse.",
            id=str(report_id),
        )
    )


def caption_without_file(caption_html: str) -> str:
    """The caption sent alone when the original file was purged."""
    return f"{caption_html}\n{ORIGINAL_GONE}"


def technician_known_campaign_note(report: ReportView, campaign: CampaignView) -> OutgoingMessage:
    """One line: a new report of a campaign technicians already judged (the reporter is told
    the verdict at once; no document, no buttons)."""
    verdict = campaign.verdict or ""
    text = _fill(
        "{marker} Nouveau signalement n° {id} de la campagne n° {cid} (déjà classée "
        "« {verdict} ») : {facility}, {action}{ticket}. La personne a reçu le verdict.",
        marker=TECH_VERDICT_MARKERS.get(verdict, ""),
        id=str(report.id),
        cid=str(campaign.id),
        verdict=_esc(TECH_VERDICT_LABELS.get(verdict, verdict)),
        facility=_facility(report),
        action=_esc(_action(report.mail_action, report.source)),
        ticket=_ticket_suffix(report),
    )
    return OutgoingMessage(text)


def technician_action_note(report: ReportView) -> OutgoingMessage:
    """The person answered after technicians got the report (« non précisé »)."""
    return OutgoingMessage(
        _fill(
            "Signalement n° {id} (campagne n° {cid}) : la personne indique qu’elle {action}"
            "{ticket}.",
            id=str(report.id),
            cid=str(report.campaign_id),
            action=_esc(_action_after(report.mail_action)),
            ticket=_ticket_suffix(report),
        )
    )


def _action_after(mail_action: str | None) -> str:
    """The action as the end of « la personne indique qu’elle … »."""
    if mail_action in (None, "none"):
        return "n’a rien fait (ni clic, ni réponse)"
    return _action(mail_action)


def _ticket_suffix(report: ReportView) -> str:
    if not report.ticket_reference:
        return ""
    return _fill(" — demande <b>{r}</b>", r=_esc(report.ticket_reference))


# --- The technicians' verdict ----------------------------------------------------------------


def reporter_verdict_notice(
    subject: str, verdict: str, technician_name: str | None
) -> OutgoingMessage:
    """To a reporter: thanks, and what the technician concluded (never « trust blindly »)."""
    conclusions = {
        "phishing": (
            "c’est bien un hameçonnage : supprimez-le ; si vous avez cliqué sur un lien, "
            "saisi un mot de passe ou ouvert une pièce jointe et que vous ne l’avez pas "
            "encore signalé, dites-le-moi ici tout de suite."
        ),
        "spam": (
            "c’est un spam (publicité non sollicitée) : sans danger mais inutile, vous pouvez "
            "le supprimer."
        ),
        "legit": (
            "c’est un mail légitime : vous pouvez le traiter normalement. Continuez à vous "
            "méfier des demandes inhabituelles."
        ),
    }
    cleaned = truncate(subject, SUBJECT_CHARS)
    mail = "du mail {s}" if cleaned else "de ce mail sans objet"
    who = "{name}, technicien, l’a examiné" if technician_name else "Un technicien l’a examiné"
    template = "Merci pour votre signalement " + mail + ". " + who + " : " + conclusions[verdict]
    return OutgoingMessage(
        _fill(template, s=subject_html(subject), name=_esc(technician_name or ""))
    )


def verdict_toast(verdict: str, told: int) -> str:
    """Answer to a verdict button (plain text)."""
    label = TECH_VERDICT_LABELS.get(verdict, verdict)
    if told:
        informed = "informée" if told == 1 else "informées"
        tail = f"{_people(told)} {informed}."
    else:
        tail = "Aucune nouvelle personne à informer."
    return french_typography(f"Verdict enregistré : {label}. {tail}")[:TOAST_CHARS]


def technician_verdict_recorded(
    campaign: CampaignView, told: int, technician_name: str | None
) -> OutgoingMessage:
    """For the technicians' chat: who classified the campaign, how many reporters were told."""
    verdict = campaign.verdict or ""
    return OutgoingMessage(
        _fill(
            "{marker} Campagne n° {id} ({s}) classée « {verdict} » par {name} : {people} "
            "{informed}.",
            marker=TECH_VERDICT_MARKERS.get(verdict, ""),
            id=str(campaign.id),
            s=subject_html(campaign.subject),
            verdict=_esc(TECH_VERDICT_LABELS.get(verdict, verdict)),
            name=_technician(technician_name),
            people=_people(told),
            informed="informée" if told <= 1 else "informées",
        )
    )


# --- Warning the staff -------------------------------------------------------------------------


def warn_scope_choice(
    campaign: CampaignView, targets: dict[str, tuple[int, int]]
) -> OutgoingMessage:
    """« Prévenir le personnel » pressed: whom to warn (``targets`` as given by
    ``PhishingService.warn_targets``). A scope already warned, or without anyone, is not
    offered."""
    lines = [
        _fill(
            "Prévenir le personnel du faux mail {s} (campagne n° {id}) : qui prévenir ?",
            s=subject_html(campaign.subject),
            id=str(campaign.id),
        )
    ]
    if campaign.warned_scope and campaign.warned_at:
        lines.append(
            _fill(
                "Déjà prévenus : {scope}, le {at}.",
                scope=WARN_SCOPE_LABELS.get(campaign.warned_scope, campaign.warned_scope),
                at=_local(campaign.warned_at),
            )
        )
    buttons: list[Button] = []
    facilities, people = targets.get("facilities", (0, 0))
    if people and campaign.warned_scope is None:
        which = (
            "L’établissement concerné"
            if facilities == 1
            else f"Les {facilities} établissements concernés"
        )
        title = f"{which} ({_people(people)})"
        buttons.append(Button(title, warn_scope_payload(campaign.id, "facilities")))
    _, everyone = targets.get("all", (0, 0))
    if everyone and campaign.warned_scope != "all":
        title = f"Tous les établissements ({_people(everyone)})"
        buttons.append(Button(title, warn_scope_payload(campaign.id, "all")))
    if not buttons:
        reason = "already_warned" if campaign.warned_scope == "all" else "nobody"
        lines.append(_esc(ERROR_TEXTS[reason]))
        return OutgoingMessage("\n".join(lines))
    buttons.append(Button(CANCEL_LABEL, CANCEL_PAYLOAD))
    return OutgoingMessage("\n".join(lines), tuple(buttons))


def warn_started(count: int) -> OutgoingMessage:
    """The warning is queued: « Alerte en cours d’envoi à X personnes »."""
    return OutgoingMessage(
        _fill(
            "📣 Alerte en cours d’envoi à {people}. Je vous indiquerai combien l’ont reçue.",
            people=_people(count),
        )
    )


def warn_cancelled() -> str:
    """Toast of « Annuler »."""
    return "Alerte annulée."


def warn_summary(subject: str, *, sent: int, total: int, failed: int) -> OutgoingMessage:
    """Once every warning went: « Alerte « … » : reçue par X personnes sur Y (Z injoignables) »."""
    return OutgoingMessage(
        _fill(
            "✅ Alerte {s} : reçue par {sent} sur {total} ({failed}).",
            s=subject_html(subject),
            sent=_people(sent),
            total=str(total),
            failed=plural(failed, "injoignable"),
        )
    )


def staff_warning(
    provider_name: str, subject: str, sender_domain: str | None, campaign_id: int | None = None
) -> OutgoingMessage:
    """The warning sent to each staff member of the chosen facilities; with ``campaign_id``,
    « Comment le reconnaître ? » shows the signs of that very mail."""
    sender = (
        _fill(" (expéditeur {d})", d=_esc(defang_domain(sender_domain))) if sender_domain else ""
    )
    text = _fill(
        "⚠️ <b>Alerte sécurité ({provider})</b> : un faux mail {s}{sender} circule en ce moment. "
        "Ne cliquez sur aucun lien, n’ouvrez pas la pièce jointe, ne répondez pas : "
        "supprimez-le. Si vous avez déjà cliqué ou saisi un mot de passe, dites-le-moi ici "
        "tout de suite.",
        provider=_esc(provider_name),
        s=subject_html(subject),
        sender=sender,
    )
    buttons = [Button(WARNING_BUTTON_LABEL, WARNING_BUTTON_PAYLOAD)]
    if campaign_id is not None:
        buttons.append(Button(LESSON_BUTTON_LABEL, callbacks.encode(LESSON_ACTION, campaign_id)))
    return OutgoingMessage(text, tuple(buttons))


def campaign_lesson(subject: str, reasons: Sequence[str]) -> OutgoingMessage:
    """« Comment le reconnaître ? »: the (at most three) signs the analysis found in the
    campaign's mail, as they were explained to the technicians, defanged (HTML)."""
    lines = [_fill("🔎 <b>Comment reconnaître ce faux mail</b> {s}", s=subject_html(subject))]
    lines += [f"{number}. {_esc(reason)}" for number, reason in enumerate(reasons[:3], 1)]
    if not reasons:
        lines.append(_fill(LESSON_NO_SIGNS))
    lines.append(_fill(LESSON_END))
    return OutgoingMessage("\n".join(lines))


# --- Lists -----------------------------------------------------------------------------------------


def campaign_line(campaign: CampaignView) -> str:
    """One line of the recent campaigns (HTML)."""
    verdict = campaign.verdict
    status = (
        f"{TECH_VERDICT_MARKERS.get(verdict, '')} {_esc(TECH_VERDICT_LABELS.get(verdict, verdict))}"
        if verdict
        else "à classer"
    )
    warned = " · personnel prévenu" if campaign.warned_at else ""
    return _fill(
        "<b>n° {id}</b> {s} — {reports}, {facilities} — {status}{warned}",
        id=str(campaign.id),
        s=subject_html(campaign.subject),
        reports=plural(campaign.reports, "signalement"),
        facilities=_facilities(campaign.facilities),
        status=status,
        warned=warned,
    )


def campaign_list(campaigns: Sequence[CampaignView]) -> OutgoingMessage:
    """The recent campaigns, newest first."""
    if not campaigns:
        return OutgoingMessage("Aucun mail suspect signalé récemment.")
    lines = [_fill("<b>Mails suspects signalés récemment :</b>")]
    lines += [campaign_line(c) for c in campaigns]
    return OutgoingMessage("\n".join(lines))


def error_text(code: str) -> str:
    """The French refusal of a ``PhishingError`` code (plain text)."""
    return ERROR_TEXTS.get(code, ERROR_TEXTS["bad_value"])
