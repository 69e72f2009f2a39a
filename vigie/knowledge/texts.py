"""Every French text the custom actions send, and the small helpers that render them.

Templates use the knowledge base's Markdown subset (``**bold**``, ``- `` bullets, ``1. ``
items, blank lines between paragraphs) and the contact placeholders of
:meth:`vigie.core.settings.Settings.contacts` (``{provider_hotline}``…). :func:`render_text`
escapes everything, contact values included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vigie.core import reflexes
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import french_typography
from vigie.knowledge.loader import KnowledgeBase
from vigie.knowledge.render import faq_payload, markdown_to_html

# --- Help menu ----------------------------------------------------------------------------

HELP_INTRO = """\
**Voici ce que je sais faire.**
- Répondre à vos questions de sécurité informatique : mots de passe, mails suspects, clés USB, carte CPS…
- Vous dire quoi faire tout de suite face à un mail suspect, un incident ou un appareil perdu.
- Vous donner les coordonnées de {provider_name}.
- Vous entraîner : /quiz (3 questions), /astuces (une astuce par semaine).

Choisissez ci-dessous, ou écrivez votre question avec vos mots, même sans accents."""

#: Intents offered as buttons of the help menu, in this order.
HELP_INTENTS: tuple[str, ...] = (
    "report_phishing",
    "declare_incident",
    "lost_device",
    "open_ticket",
)

#: Articles offered as buttons of the help menu (those present in the knowledge base).
POPULAR_ARTICLES: tuple[str, ...] = (
    "phishing_recognize",
    "password_strength",
    "lock_screen",
    "usb_devices",
)

# --- Labels of intents (help menu and "Vous voulez parler de… ?" buttons) ---------------

#: Short button labels of the intents a user may be offered. Intents absent from this
#: table (greetings, thanks, yes/no…) are never suggested.
INTENT_LABELS: dict[str, str] = {
    "report_phishing": "Signaler un mail suspect",
    "declare_incident": "Déclarer un incident",
    "lost_device": "Matériel ou carte CPS perdu",
    "open_ticket": "Contacter l’assistance",
    "ticket_status": "Suivre ma demande",
    "help": "Ce que je sais faire",
}

# --- Fallback (low NLU confidence) ----------------------------------------------------------

FALLBACK_QUESTION = "Vous voulez parler de… ?"
OTHER_LABEL = "Autre chose"
OTHER_PAYLOAD = "/out_of_scope"

OUT_OF_SCOPE = """\
Je n’ai pas de réponse à cette demande, désolé. Je connais la sécurité informatique au quotidien : mots de passe, mails suspects, virus, clés USB, carte CPS… Tapez « aide » pour voir la liste.

Pour toute autre demande informatique, contactez {provider_name} :
- par téléphone : {provider_hotline} ;
- par mail : {helpdesk_email}."""

FAQ_NOT_FOUND = """\
Je n’ai pas de fiche sur ce sujet. Tapez « aide » pour voir ceux que je connais.

En cas de doute, contactez {provider_name} : {provider_hotline}."""

KNOWLEDGE_UNAVAILABLE = """\
Je ne peux pas afficher cette fiche pour le moment, désolé.

En cas de doute ou d’urgence ? {call}"""

# --- Immediate advice ------------------------------------------------------------------------------

REPORT_PHISHING = f"""\
**Mail suspect : ne cliquez sur rien, envoyez-le-moi pour que je le vérifie.**
- **Le mieux, en pièce jointe** : dans Outlook, « Plus d’actions › Transférer en tant que pièce jointe », ou faites glisser le mail ; dans une messagerie web, « Télécharger le message » ou « Afficher la source ». Puis envoyez-moi ici le fichier .eml avec le trombone 📎.
- **Sinon**, copiez-collez ici tout le texte du mail, **avec l’adresse de l’expéditeur**.

En attendant, ne cliquez sur aucun lien, n’ouvrez pas les pièces jointes et ne répondez pas.

**Vous avez déjà cliqué, saisi un mot de passe ou ouvert une pièce jointe ?**
1. {reflexes.ISOLATION_SHORT}
2. Mot de passe saisi ? {reflexes.CREDENTIAL_SHORT}
3. {reflexes.CALL}"""

#: Sent before REPORT_PHISHING when the person says they already typed a password or a code.
CREDENTIAL_FIRST = french_typography(f"""\
**Vous avez saisi un mot de passe ou un code : c’est le plus urgent.**
{reflexes.numbered(reflexes.CREDENTIAL_STEPS)}

Coordonnées bancaires données ? Appelez aussi votre banque pour faire opposition.
Ensuite, envoyez-moi le mail : je vous explique comment juste en dessous.""")

INCIDENT_REFLEXES = f"""\
**Incident de sécurité : les bons réflexes, tout de suite.**
{reflexes.numbered(reflexes.ISOLATION_STEPS)}

Même en cas de doute, prévenez : mieux vaut une fausse alerte qu’une attaque qui s’étend."""

LOST_DEVICE = f"""\
**Appareil ou carte CPS perdu ou volé : prévenez tout de suite.**
{reflexes.numbered(reflexes.LOST_DEVICE_STEPS)}

Des données de résidents étaient sur l’appareil ? Prévenez aussi {{referent_contact}}."""

#: Articles offered under the immediate advice of each action (those present).
REPORT_PHISHING_ARTICLES: tuple[str, ...] = ("phishing_recognize", "email_attachments")
INCIDENT_ARTICLES: tuple[str, ...] = ("incident_reporting", "ransomware")
LOST_DEVICE_ARTICLES: tuple[str, ...] = ("cps_card", "personal_devices")

#: Every template above, for checks (typography, placeholders).
TEMPLATES: dict[str, str] = {
    "HELP_INTRO": HELP_INTRO,
    "OUT_OF_SCOPE": OUT_OF_SCOPE,
    "FAQ_NOT_FOUND": FAQ_NOT_FOUND,
    "KNOWLEDGE_UNAVAILABLE": KNOWLEDGE_UNAVAILABLE,
    "REPORT_PHISHING": REPORT_PHISHING,
    "CREDENTIAL_FIRST": CREDENTIAL_FIRST,
    "INCIDENT_REFLEXES": INCIDENT_REFLEXES,
    "LOST_DEVICE": LOST_DEVICE,
}


def render_text(template: str, contacts: Mapping[str, str]) -> str:
    """A template as escaped Telegram HTML with the contacts filled in (escaped too)."""
    return markdown_to_html(template, contacts)


def intent_button(intent: str) -> Button:
    """The button that triggers ``intent``; ``KeyError`` if it has no label."""
    return Button(french_typography(INTENT_LABELS[intent]), f"/{intent}")


def article_buttons(article_ids: Iterable[str], kb: KnowledgeBase | None) -> tuple[Button, ...]:
    """Buttons opening the given articles, skipping those the knowledge base lacks."""
    if kb is None:
        return ()
    return tuple(
        Button(french_typography(kb.get(i).title), faq_payload(i)) for i in article_ids if i in kb
    )


def topic_button(topic: str, kb: KnowledgeBase | None) -> Button | None:
    """The button of a topic: an intent name or ``faq/<article id>``; ``None`` if unknown."""
    if topic.startswith("faq/"):
        buttons = article_buttons([topic.removeprefix("faq/")], kb)
        return buttons[0] if buttons else None
    if topic in INTENT_LABELS:
        return intent_button(topic)
    return None


def help_menu(contacts: Mapping[str, str], kb: KnowledgeBase | None) -> OutgoingMessage:
    """The help menu: what Vigie does, the main actions, a few popular articles."""
    buttons = tuple(intent_button(i) for i in HELP_INTENTS) + article_buttons(POPULAR_ARTICLES, kb)
    return OutgoingMessage(render_text(HELP_INTRO, contacts), buttons)


def suggestions(
    topics: Iterable[str],
    contacts: Mapping[str, str],
    kb: KnowledgeBase | None,
    *,
    limit: int = 2,
) -> OutgoingMessage:
    """ "Vous voulez parler de… ?" with the first ``limit`` known topics and "Autre chose".

    Without any known topic, the honest out-of-scope message instead.
    """
    buttons: list[Button] = []
    for topic in topics:
        button = topic_button(topic, kb)
        if button is not None and button not in buttons:
            buttons.append(button)
        if len(buttons) == limit:
            break
    if not buttons:
        return advice(OUT_OF_SCOPE, contacts)
    buttons.append(Button(OTHER_LABEL, OTHER_PAYLOAD))
    return OutgoingMessage(render_text(FALLBACK_QUESTION, contacts), tuple(buttons))


def advice(
    template: str,
    contacts: Mapping[str, str],
    kb: KnowledgeBase | None = None,
    articles: Iterable[str] = (),
) -> OutgoingMessage:
    """One message from a template, with buttons to the given articles if they exist."""
    return OutgoingMessage(render_text(template, contacts), article_buttons(articles, kb))
