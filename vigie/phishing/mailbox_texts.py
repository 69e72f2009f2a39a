"""Every French text of the reporting mailbox: the e-mail answer to a reporter, the code that
links a work address, and the answers of ``/adresse`` in the chat.

E-mails are plain text (:func:`plain`: contacts filled in, French typography); chat answers are
HTML (:func:`vigie.core.typography.fill`, every value escaped). What comes from the reported
e-mail (subject, reasons quoting addresses and links, already defanged by the analyser) is
only ever put in the plain-text e-mail or escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vigie.core import reflexes
from vigie.core.typography import fill, french_typography, truncate
from vigie.phishing.mailcheck.texts import VERDICT_LABELS
from vigie.phishing.texts import SUBJECT_PREVIEW_CHARS, TRUNCATED, VERDICT_ADVICE

__all__ = [
    "ADDRESS_CODE_SUBJECT",
    "UNREADABLE_SUBJECT",
    "address_answer",
    "address_code_body",
    "address_help",
    "plain",
    "reply_body",
    "reply_subject",
    "unreadable_body",
]


def plain(template: str, values: Mapping[str, object]) -> str:
    """A template for a plain-text e-mail: French typography, then the values (not escaped:
    nothing here is HTML). Markdown bold markers are dropped."""
    text = french_typography(template.replace("**", ""))
    return text.format_map({key: str(value) for key, value in values.items()})


# --- The answer to a reporter, by e-mail ------------------------------------------------------

REPLY_SUBJECT = "Vigie — analyse du mail signalé : {label}"
REPLY_GREETING = "Bonjour,\n\nMerci pour votre signalement. Voici ce que Vigie a trouvé dans le mail « {subject} » :"
REPLY_GREETING_NO_SUBJECT = (
    "Bonjour,\n\nMerci pour votre signalement. Voici ce que Vigie a trouvé dans le mail transmis :"
)
REPLY_REFLEXES = f"""\
Si vous avez cliqué sur un lien, saisi un mot de passe ou un code, ou ouvert une pièce jointe :
- Mot de passe ou code saisi ? {reflexes.CREDENTIAL_SHORT}
- Pièce jointe ouverte ? {reflexes.ISOLATION_SHORT}
- {reflexes.CALL}"""
REPLY_FORWARDED = (
    "Votre signalement est transmis aux techniciens de {provider_name}, qui préviendront le "
    "personnel si c’est une campagne."
)
REPLY_UNLINKED = (
    "Astuce : dans Vigie sur Telegram, tapez /adresse suivi de cette adresse e-mail. Vos "
    "prochains signalements par mail seront reliés à votre compte et transmis aux techniciens."
)
REPLY_SIGNATURE = (
    "— Vigie, l’assistant cybersécurité de {provider_name}\n"
    "(Réponse automatique : ce message n’a pas été lu par une personne.)"
)
UNREADABLE_SUBJECT = "Vigie — aucun mail à analyser dans votre message"
UNREADABLE_BODY = """\
Bonjour,

Vigie n’a trouvé aucun mail à analyser dans votre message{reason}. Pour signaler un mail suspect, transférez-le à cette adresse en pièce jointe (dans Outlook : « Plus d’actions », puis « Transférer en tant que pièce jointe »), ou envoyez-le à Vigie sur Telegram.

En attendant, ne cliquez sur rien dans ce mail."""
UNREADABLE_TOO_BIG = " (il dépasse la taille que Vigie accepte)"


def reply_subject(verdict: str) -> str:
    label = VERDICT_LABELS.get(verdict, VERDICT_LABELS["douteux"])
    return plain(REPLY_SUBJECT, {"label": label})


def reply_body(
    *,
    verdict: str,
    reasons: Sequence[str],
    subject: str,
    truncated: bool,
    forwarded: bool,
    linked: bool,
    contacts: Mapping[str, str],
) -> str:
    """The plain-text answer: the verdict, its reasons, the advice, the reflexes if the person
    already acted, and what happens next."""
    if verdict not in VERDICT_ADVICE:
        verdict = "douteux"
    subject = truncate(" ".join(subject.split()), SUBJECT_PREVIEW_CHARS)
    greeting = (
        plain(REPLY_GREETING, {"subject": subject})
        if subject
        else plain(REPLY_GREETING_NO_SUBJECT, {})
    )
    parts = [greeting, VERDICT_LABELS[verdict].upper()]
    if reasons:
        parts.append("\n".join(f"- {reason}" for reason in reasons))
    parts.append(plain(VERDICT_ADVICE[verdict], contacts))
    if truncated:
        parts.append(plain(TRUNCATED, contacts))
    parts.append(plain(REPLY_REFLEXES, contacts))
    if forwarded:
        parts.append(plain(REPLY_FORWARDED, contacts))
    if not linked:
        parts.append(plain(REPLY_UNLINKED, contacts))
    parts.append(plain(REPLY_SIGNATURE, contacts))
    return "\n\n".join(parts) + "\n"


def unreadable_body(too_big: bool, contacts: Mapping[str, str]) -> str:
    reason = plain(UNREADABLE_TOO_BIG, {}) if too_big else ""
    text = plain(UNREADABLE_BODY, {**contacts, "reason": reason})
    return text + "\n\n" + plain(REPLY_SIGNATURE, contacts) + "\n"


# --- Linking a work address (/adresse) ---------------------------------------------------------

ADDRESS_CODE_SUBJECT = french_typography("Vigie : votre code de confirmation")
ADDRESS_CODE_BODY = """\
Bonjour,

Pour relier cette adresse à votre compte Vigie, tapez dans Telegram :

/adresse {code}

Ce code est valable {minutes} minutes. Si vous n’avez rien demandé, ignorez ce message : rien ne sera relié."""


def address_code_body(code: str, minutes: float) -> str:
    return plain(ADDRESS_CODE_BODY, {"code": code, "minutes": f"{minutes:g}"}) + "\n"


_MAILBOX = " Transférez les mails suspects à <b>{mailbox}</b>{nbsp}: je vous répondrai par mail."
ADDRESS_HELP = (
    "Reliez votre adresse e-mail professionnelle à Vigie{nbsp}: vos signalements par mail "
    "seront reconnus et transmis aux techniciens.\n\n"
    "Tapez <code>/adresse votre.nom@etablissement.fr</code>{nbsp}: je vous envoie un code "
    "par mail, puis tapez <code>/adresse</code> suivi du code."
)
ADDRESS_HELP_LINKED = (
    "Votre adresse e-mail professionnelle est reliée à Vigie. Pour la retirer, tapez "
    "<code>/adresse retirer</code>{nbsp}; pour en relier une autre, tapez "
    "<code>/adresse</code> suivi de la nouvelle adresse."
)
ADDRESS_ANSWERS: dict[str, str] = {
    "sent": (
        "Je vous ai envoyé un code par mail. Tapez <code>/adresse</code> suivi des six chiffres "
        "(par exemple <code>/adresse 123456</code>). Il est valable {minutes} minutes."
    ),
    "wait": "Un code vient de partir{nbsp}: attendez une minute avant d’en demander un autre.",
    "invalid": (
        "Ce n’est pas une adresse e-mail que je reconnais. Tapez par exemple "
        "<code>/adresse votre.nom@etablissement.fr</code>."
    ),
    "not_registered": (
        "Il faut d’abord être inscrit(e) auprès de votre établissement. Demandez le lien "
        "d’inscription à votre direction ou à votre référent cyber."
    ),
    "mail_disabled": (
        "Je ne peux pas envoyer de mail pour le moment (l’envoi n’est pas configuré). "
        "Signalez plutôt les mails suspects ici, en pièce jointe, en photo ou en copié-collé."
    ),
    "linked": "C’est fait{nbsp}: votre adresse est reliée à Vigie.",
    "wrong": "Ce code n’est pas le bon. Il vous reste {attempts} essai(s).",
    "expired": (
        "Ce code n’est plus valable. Tapez <code>/adresse</code> suivi de votre adresse pour "
        "en recevoir un nouveau."
    ),
    "unlinked": "C’est fait{nbsp}: votre adresse n’est plus reliée à Vigie.",
    "nothing": "Aucune adresse n’était reliée à votre compte.",
}


def address_help(linked: bool, mailbox: str | None) -> str:
    template = ADDRESS_HELP_LINKED if linked else ADDRESS_HELP
    if mailbox:
        template += _MAILBOX
    return fill(template, {"mailbox": mailbox or ""})


def address_answer(result: str, attempts_left: int, mailbox: str | None, minutes: float) -> str:
    template = ADDRESS_ANSWERS.get(result, ADDRESS_ANSWERS["expired"])
    if result == "linked" and mailbox:
        template += _MAILBOX
    values = {"mailbox": mailbox or "", "attempts": attempts_left, "minutes": f"{minutes:g}"}
    return fill(template, values)


#: Every template, for checks (typography, placeholders).
TEMPLATES: dict[str, str] = {
    "REPLY_SUBJECT": REPLY_SUBJECT,
    "REPLY_GREETING": REPLY_GREETING,
    "REPLY_REFLEXES": REPLY_REFLEXES,
    "REPLY_FORWARDED": REPLY_FORWARDED,
    "REPLY_UNLINKED": REPLY_UNLINKED,
    "REPLY_SIGNATURE": REPLY_SIGNATURE,
    "UNREADABLE_SUBJECT": UNREADABLE_SUBJECT,
    "UNREADABLE_BODY": UNREADABLE_BODY,
    "ADDRESS_CODE_BODY": ADDRESS_CODE_BODY,
    "ADDRESS_HELP": ADDRESS_HELP,
    "ADDRESS_HELP_LINKED": ADDRESS_HELP_LINKED,
    **{f"ADDRESS_ANSWERS[{k}]": v for k, v in ADDRESS_ANSWERS.items()},
}
