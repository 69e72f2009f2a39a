"""Every French text of the suspicious e-mail conversation with staff.

The verdict of the analysis, the questions of the form and their buttons, the reflexes for
each thing the person did, what happens next (ticket, report to the provider, how to
register), and the problem text of the urgent tickets (read by technicians). The request for
the message itself is ``vigie.knowledge.texts.REPORT_PHISHING`` (sent by ``action_report_phishing``).

Templates use the Markdown subset of :func:`vigie.knowledge.texts.render_text` and the contact
placeholders of :meth:`vigie.core.settings.Settings.contacts`; everything that comes from the
e-mail (subject, reasons quoting addresses and links) is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Literal

from vigie.core import reflexes
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import NBSP, french_typography, truncate
from vigie.knowledge.texts import render_text
from vigie.phishing.mailcheck.texts import VERDICT_LABELS

#: Longest subject shown in the verdict.
SUBJECT_PREVIEW_CHARS = 120

# --- The verdict ------------------------------------------------------------------------------

VERDICT_MARKERS: dict[str, str] = {"dangereux": "🔴", "douteux": "🟠", "sans_danger": "🟢"}
VERDICT_ADVICE: dict[str, str] = {
    "dangereux": (
        "C’est très probablement un hameçonnage : ne cliquez sur aucun lien, n’ouvrez pas "
        "les pièces jointes et ne répondez pas."
    ),
    "douteux": (
        "Ne cliquez pas et ne répondez pas avant d’avoir vérifié auprès de l’expéditeur par un "
        "autre moyen (son numéro habituel, jamais celui du mail)."
    ),
    "sans_danger": (
        "Rien d’anormal détecté, mais restez prudent : une analyse n’est jamais une garantie. "
        "En cas de doute, ne cliquez pas et demandez à {provider_name}."
    ),
}
TRUNCATED = "Le message était très long : je n’en ai analysé qu’une partie."

# --- The form ---------------------------------------------------------------------------------

MAIL_ACTION_QUESTION = "Qu’avez-vous fait avec ce mail ?"
#: Buttons of the first question: label and code (``vigie.phishing.service.MAIL_ACTIONS``).
MAIL_ACTION_CHOICES: tuple[tuple[str, str], ...] = (
    ("Rien", "none"),
    ("J’ai cliqué sur un lien", "clicked"),
    ("J’ai saisi un mot de passe ou un code", "credentials"),
    ("J’ai ouvert une pièce jointe", "attachment"),
    ("J’ai répondu", "replied"),
)
LINK_QUESTION = (
    "La page ouverte vous a-t-elle demandé quelque chose (identifiant, mot de passe, code, "
    "paiement, téléchargement) ?"
)
LINK_CHOICES: tuple[tuple[str, str], ...] = (("Oui", "yes"), ("Non", "no"))
CANCEL_LABEL = "Annuler"
CANCEL_PAYLOAD = "/cancel"
NOT_UNDERSTOOD = "Je n’ai pas compris votre réponse. Choisissez l’un des boutons, ou « Annuler »."
CANCELLED = (
    "D’accord, j’arrête les questions. Vous avez cliqué sur un lien, saisi un mot de passe "
    "ou ouvert une pièce jointe ? " + reflexes.CALL
)
NOT_FOUND = (
    "Je ne retrouve pas ce mail parmi vos signalements, désolé. Renvoyez-le-moi ici, en pièce "
    "jointe ou copié-collé, sans cliquer sur rien."
)
UNAVAILABLE = f"""\
Je n’arrive pas à lire votre signalement pour le moment, désolé. En attendant, ne cliquez sur rien dans ce mail.

Vous avez déjà cliqué, saisi un mot de passe ou ouvert une pièce jointe ? {reflexes.CALL}"""

# --- The reflexes, for each thing the person did ------------------------------------------

REFLEXES: dict[str, str] = {
    "none": """\
**Vous avez bien fait de ne rien faire.**
Supprimez ce mail sans cliquer sur rien, puis videz la corbeille. Merci pour votre vigilance !""",
    "clicked": f"""\
**Vous avez cliqué sur le lien, sans rien saisir : voici quoi faire.**
1. Fermez la page ouverte par le lien et n’y retournez pas.
2. Ne saisissez rien dessus et n’acceptez aucun téléchargement.
3. Surveillez l’ordinateur : fenêtres qui s’ouvrent seules, lenteur, message inattendu ? {reflexes.ISOLATION_SHORT} {reflexes.CALL}
4. Supprimez ensuite le mail.""",
    "clicked_asked": f"""\
**La page demandait des informations : agissez tout de suite.**
1. Mot de passe ou code saisi ? {reflexes.CREDENTIAL_SHORT}
2. Carte bancaire donnée ? Appelez votre banque pour faire opposition.
3. Fichier téléchargé ? Ne l’ouvrez pas. Déjà ouvert ? {reflexes.ISOLATION_SHORT}
4. {reflexes.CALL}
5. Fermez la page et n’y retournez pas. Prévenez {{referent_contact}}.""",
    "credentials": f"""\
**Mot de passe ou code saisi : changez-le tout de suite.**
{reflexes.numbered(reflexes.CREDENTIAL_STEPS)}
4. Carte bancaire donnée ? Appelez votre banque pour faire opposition.
5. Prévenez {{referent_contact}}. Ne donnez à personne un code reçu par SMS, même à « l’informatique ».""",
    "attachment": f"""\
**Pièce jointe ouverte : isolez l’ordinateur maintenant.**
{reflexes.numbered(reflexes.ISOLATION_STEPS)}

Ne l’utilisez plus en attendant {{provider_name}}.""",
    "replied": f"""\
**Vous avez répondu : n’envoyez plus rien.**
1. Ne répondez plus à cet expéditeur : ni mot de passe, ni document, ni RIB, ni paiement.
2. Un virement, un paiement ou un changement de RIB est demandé ? Prévenez tout de suite {{referent_contact}} et la comptabilité, et ne payez rien sans avoir rappelé la personne sur un numéro que vous connaissez déjà.
3. Mot de passe envoyé ? {reflexes.CREDENTIAL_SHORT}
4. Mot de passe ou documents envoyés ? {reflexes.CALL}""",
}
#: « Rien » on a mail found probably safe: no reason to delete a mail that may be expected.
REFLEXES_NONE_SAFE = """\
**Très bien.**
Au moindre doute sur ce mail, ne cliquez pas et vérifiez auprès de l’expéditeur par un autre moyen (son numéro habituel)."""

# --- What happens next --------------------------------------------------------------------

Outcome = Literal[
    "ticket", "reported", "not_registered", "not_registered_urgent", "ticket_failed", "failed"
]
_REGISTER = (
    "Pour que vos prochains signalements lui soient transmis, demandez à votre direction ou à "
    "votre référent cyber le lien d’inscription à Vigie, puis ouvrez-le (ou tapez /start suivi "
    "du code d’inscription)."
)
OUTCOMES: dict[str, str] = {
    "ticket": (
        "J’ai ouvert pour vous une demande à {provider_name}, référence **{reference}** : un "
        "technicien va regarder ce mail et vous recontacter ici. Gardez la référence si vous "
        "appelez."
    ),
    "reported": "Merci pour votre signalement : je l’ai transmis à {provider_name}, qui va regarder ce mail.",
    "not_registered": (
        "Je ne peux pas transmettre ce signalement à {provider_name} : je ne sais pas encore "
        "dans quel établissement vous travaillez. " + _REGISTER
    ),
    "not_registered_urgent": (
        reflexes.CALL + " Je ne peux pas transmettre ce signalement à {provider_name} : je "
        "ne sais pas encore dans quel établissement vous travaillez. " + _REGISTER
    ),
    "ticket_failed": (
        "Je n’arrive pas à enregistrer de demande pour le moment. " + reflexes.CALL
    ),
    "failed": (
        "Je n’arrive pas à transmettre votre signalement pour le moment. En cas de doute, "
        "appelez {provider_name} : {provider_hotline}."
    ),
}  # fmt: skip
STATUS_LABEL = "Où en sont mes demandes ?"
STATUS_PAYLOAD = "/ticket_status"

# --- Urgent tickets (read by technicians) -------------------------------------------------

TICKET_PROBLEMS: dict[str, str] = {
    "clicked_asked": (
        "Mail suspect (signalement n° {report_id}) : la personne a cliqué sur un lien et la "
        "page a demandé des informations (identifiant, mot de passe, code, paiement ou "
        "téléchargement). À vérifier avec elle : ce qui a été saisi ou téléchargé."
    ),
    "credentials": (
        "Mail suspect (signalement n° {report_id}) : la personne a saisi un mot de passe ou un "
        "code. À faire : vérifier que le mot de passe est changé, fermer les sessions ouvertes, "
        "contrôler la double authentification."
    ),
    "attachment": (
        "Mail suspect (signalement n° {report_id}) : la personne a ouvert une pièce jointe. "
        "Poste à isoler et à analyser (consigne donnée : débrancher le réseau sans éteindre)."
    ),
    "replied": (
        "Mail suspect (signalement n° {report_id}) : la personne a répondu à l’expéditeur. "
        "À vérifier avec elle : ce qui a été envoyé."
    ),
}
REPLIED_PAYMENT = " Le mail demande un paiement ou un changement de RIB : prévenir la comptabilité."

#: Every template, for checks (typography, placeholders).
TEMPLATES: dict[str, str] = {
    **{f"VERDICT_ADVICE[{k}]": v for k, v in VERDICT_ADVICE.items()},
    **{f"REFLEXES[{k}]": v for k, v in REFLEXES.items()},
    **{f"OUTCOMES[{k}]": v for k, v in OUTCOMES.items()},
    "REFLEXES_NONE_SAFE": REFLEXES_NONE_SAFE,
    "TRUNCATED": TRUNCATED,
    "MAIL_ACTION_QUESTION": MAIL_ACTION_QUESTION,
    "LINK_QUESTION": LINK_QUESTION,
    "NOT_UNDERSTOOD": NOT_UNDERSTOOD,
    "CANCELLED": CANCELLED,
    "NOT_FOUND": NOT_FOUND,
    "UNAVAILABLE": UNAVAILABLE,
}


def _esc(value: object) -> str:
    return html.escape(str(value))


def message(template: str, contacts: Mapping[str, str]) -> OutgoingMessage:
    """One template as a message without buttons."""
    return OutgoingMessage(render_text(template, contacts))


def verdict_message(
    *,
    verdict: str,
    reasons: Sequence[str],
    subject: str,
    truncated: bool,
    contacts: Mapping[str, str],
) -> OutgoingMessage:
    """The verdict in one message: label with its colour, reasons as bullets, advice."""
    if verdict not in VERDICT_MARKERS:
        verdict = "douteux"
    title = f"{VERDICT_MARKERS[verdict]} <b>{_esc(VERDICT_LABELS[verdict])}</b>"
    if subject.strip():
        title += f" — mail «{NBSP}{_esc(truncate(subject, SUBJECT_PREVIEW_CHARS))}{NBSP}»"
    parts = [title]
    if reasons:
        parts.append("\n".join(f"• {_esc(reason)}" for reason in reasons))
    parts.append(render_text(VERDICT_ADVICE[verdict], contacts))
    if truncated:
        parts.append(f"<i>{render_text(TRUNCATED, contacts)}</i>")
    return OutgoingMessage("\n\n".join(parts))


def _choice_buttons(choices: Sequence[tuple[str, str]]) -> tuple[Button, ...]:
    buttons = tuple(
        Button(french_typography(label), '/inform{"choice":"' + code + '"}')
        for label, code in choices
    )
    return (*buttons, Button(CANCEL_LABEL, CANCEL_PAYLOAD))


def mail_action_question() -> OutgoingMessage:
    """« Qu’avez-vous fait avec ce mail ? » with one button per answer, and « Annuler »."""
    return OutgoingMessage(
        render_text(MAIL_ACTION_QUESTION, {}), _choice_buttons(MAIL_ACTION_CHOICES)
    )


def link_question() -> OutgoingMessage:
    """Whether the page opened by the link asked for something: Oui / Non / Annuler."""
    return OutgoingMessage(render_text(LINK_QUESTION, {}), _choice_buttons(LINK_CHOICES))


def reflexes_message(
    action: str,
    *,
    verdict: str,
    outcome: Outcome,
    contacts: Mapping[str, str],
    reference: str | None = None,
) -> OutgoingMessage:
    """The reflexes for what the person did, then what happens next, in one message."""
    template = REFLEXES.get(action, REFLEXES["clicked_asked"])
    if action == "none" and verdict == "sans_danger":
        template = REFLEXES_NONE_SAFE
    values = {**contacts, "reference": reference or ""}
    html_text = render_text(template, values) + "\n\n" + render_text(OUTCOMES[outcome], values)
    status = Button(french_typography(STATUS_LABEL), STATUS_PAYLOAD)
    buttons = (status,) if outcome == "ticket" else ()
    return OutgoingMessage(html_text, buttons)


def ticket_problem(action: str, report_id: int, *, asks_payment: bool = False) -> str:
    """The problem of the urgent ticket opened for ``action`` (plain text, for technicians)."""
    text = french_typography(TICKET_PROBLEMS[action]).format(report_id=report_id)
    if action == "replied" and asks_payment:
        text += french_typography(REPLIED_PAYMENT)
    return text
