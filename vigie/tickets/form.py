"""Understanding the answers to the ticket form, typed or chosen with a button.

Buttons carry a code (``/inform{"choice":"printer"}``); typed answers are matched on
accent-folded keywords. Each parser returns a code, or ``None`` when the answer makes no sense
for the question asked, so that the form asks again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from vigie.core.typography import truncate
from vigie.tickets.vocabulary import (
    CARE_IMPACTS,
    CONFIRMATIONS,
    DEVICES,
    FIELDS,
    SCOPES,
    URGENCIES,
)

PROBLEM_MIN_CHARS = 3
PROBLEM_MAX_CHARS = 1500

#: The form's questions (Rasa slots) before the summary.
BASE_SLOTS = ("problem", "device", "scope", "care_impact")

# Keyword lists are accent-folded and lower case; the first match in list order wins.
_DEVICE_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("care_software", ("logiciel de soin", "logiciel soin", "dpi", "dossier patient", "netsoins",
                       "titan", "osiris", "plan de soin", "transmission", "logiciel")),
    ("printer", ("imprim", "scanner", "scan", "photocop", "copieur")),
    ("email", ("messagerie", "mail", "courriel", "outlook", "mssante", "boite")),
    ("network", ("wifi", "wi-fi", "wi fi", "reseau", "internet", "connexion", "box", "vpn")),
    ("phone", ("telephone", "tel ", "dect", "portable", "standard", "smartphone", "mobile")),
    ("workstation", ("poste", "ordi", "pc", "ordinateur", "ecran", "clavier", "souris",
                     "tablette", "session", "windows")),
    ("other", ("autre", "je sais pas", "jsp", "sais pas", "aucun")),
)  # fmt: skip
_SCOPE_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("facility", ("etablissement", "tout le monde", "toute la structure", "structure", "ehpad",
                  "partout", "tous les services", "tout le batiment", "general", "foyer")),
    ("service", ("service", "etage", "unite", "equipe", "collegue", "plusieurs", "secteur",
                 "bureau")),
    ("me", ("moi", "seul", "que mon", "juste mon", "mon poste", "personnel", "je suis le seul",
            "je suis la seule")),
)  # fmt: skip
# Care: what is explicit comes first; a negation of "it goes on" means it does not.
_CARE_EXPLICIT: Sequence[tuple[str, tuple[str, ...]]] = (
    ("degraded", ("difficult", "difficil", "complique", "ralenti", "bof", "plus ou moins",
                  "en partie", "papier", "a peu pres", "moyen", "tant bien que mal", "mal",
                  "mais", "sauf")),
    ("no", ("non", "impossible", "bloque", "pas du tout", "plus rien", "arret", "nan",
            "aucun soin")),
)  # fmt: skip
_CARE_FINE = ("pas de souci", "pas de soucis", "pas de probleme", "pas de pb", "aucun probleme",
              "sans souci", "sans probleme")  # fmt: skip
_CARE_GOES_ON = ("continu", "possible", "peu", "peut", "marche", "fonctionne", "ca va", "normal")
_CARE_YES: Sequence[tuple[str, tuple[str, ...]]] = (
    ("yes", ("oui", "ouais", "ca va", "normalement", "continu", "pas de souci", "sans souci",
             "ok", "yes")),
)  # fmt: skip
_URGENCY_LOW = ("basse", "faible", "pas urgent", "peu urgent", "pas presse", "pas tres urgent",
                "pas si urgent", "pas grave")  # fmt: skip
_URGENCY_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("critical", ("critique", "tres urgent", "vital", "grave")),
    ("high", ("haute", "urgent", "eleve", "forte")),
    ("normal", ("normal", "moyenne", "standard")),
)  # fmt: skip
# "ne", "n'", "pas", "plus", "jamais": a negated answer is never read as its opposite.
_NEGATION = re.compile(r"(?<![a-z0-9])(ne|n|pas|plus|jamais|non|nan)(?![a-z0-9])")
_FIELD_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("urgency", ("urgence", "urgent", "priorite")),
    ("care_impact", ("soin",)),
    ("scope", ("qui", "personne", "concern", "touche")),
    ("device", ("materiel", "appareil", "quoi", "equipement")),
    ("problem", ("description", "probleme", "texte", "decri")),
)  # fmt: skip
_CONFIRM_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("modify", ("modif", "chang", "corrig", "rectif")),
    ("confirm", ("confirm", "oui", "ok", "valid", "envoy", "c est bon", "parfait", "daccord",
                 "d accord", "yes", "ouais", "c bon")),
)  # fmt: skip


def required_slots(confirmation: str | None, field: str | None) -> list[str]:
    """The form's questions (slots): after « Modifier », which answer to change, and the new
    urgency when it is the one; the confirmation last."""
    slots = list(BASE_SLOTS)
    if confirmation == "modify":
        slots.append("ticket_field")
        if field == "urgency":
            slots.append("ticket_urgency")
    slots.append("ticket_confirmation")
    return slots


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + re.sub(r"[^a-z0-9/\-]+", " ", stripped).strip() + " "


def _has(folded: str, word: str) -> bool:
    """``word`` starts a word of ``folded``; a short word (3 letters or less) is a whole word."""
    word = word.strip()
    end = r"(?![a-z0-9])" if len(word) <= 3 else ""
    return re.search(r"(?<![a-z0-9])" + re.escape(word) + end, folded) is not None


def _match(text: str, table: Sequence[tuple[str, tuple[str, ...]]]) -> str | None:
    folded = fold(text)
    for code, words in table:
        if any(_has(folded, word) for word in words):
            return code
    return None


def negated(text: str) -> bool:
    """The answer contains a negation (``ne … pas``, ``pas``, ``non``, ``plus``…)."""
    return _NEGATION.search(fold(text)) is not None


def _choice(text: str, choice: str | None, codes: Sequence[str]) -> str | None:
    """A button's code when it is one of ``codes``, else ``None``."""
    return choice if choice in codes else None


def parse_device(text: str, choice: str | None = None) -> str | None:
    """What the problem is on (``DEVICES``)."""
    return _choice(text, choice, DEVICES) or _match(text, _DEVICE_WORDS)


def parse_scope(text: str, choice: str | None = None) -> str | None:
    """Who is affected (``SCOPES``)."""
    return _choice(text, choice, SCOPES) or _match(text, _SCOPE_WORDS)


def parse_care_impact(text: str, choice: str | None = None) -> str | None:
    """Whether care can go on (``CARE_IMPACTS``).

    « les soins ne peuvent pas continuer » is ``no``; a negated answer that says neither
    (« pas normalement », « pas ok ») is not understood rather than read as ``yes``.
    """
    button = _choice(text, choice, CARE_IMPACTS)
    if button is not None:
        return button
    explicit = _match(text, _CARE_EXPLICIT)
    if explicit is not None:
        return explicit
    folded = fold(text)
    if any(_has(folded, phrase) for phrase in _CARE_FINE):
        return "yes"
    if negated(text):
        goes_on = any(_has(folded, word) for word in _CARE_GOES_ON)
        return "no" if goes_on and not _has(folded, "normal") else None
    return _match(text, _CARE_YES)


def parse_urgency(text: str, choice: str | None = None) -> str | None:
    """A corrected urgency (``URGENCIES``); « pas urgent » is low, « pas critique » is not
    understood (asked again with buttons)."""
    button = _choice(text, choice, URGENCIES)
    if button is not None:
        return button
    folded = fold(text)
    if any(_has(folded, word) for word in _URGENCY_LOW):
        return "low"
    if negated(text):
        return None
    return _match(text, _URGENCY_WORDS)


def parse_field(text: str, choice: str | None = None) -> str | None:
    """Which answer to change (``FIELDS``)."""
    return _choice(text, choice, FIELDS) or _match(text, _FIELD_WORDS)


def parse_confirmation(text: str, choice: str | None = None) -> str | None:
    """``confirm`` or ``modify`` at the summary (cancelling is decided by the caller).

    Sending a ticket needs an unambiguous yes: any negation (« non, ne l’envoyez pas »,
    « pas d’accord ») is not understood, and the summary is shown again with its buttons.
    """
    button = _choice(text, choice, CONFIRMATIONS)
    if button is not None:
        return button
    answer = _match(text, _CONFIRM_WORDS)
    if answer == "confirm" and negated(text):
        return None
    return answer


# An opening message that already says what is wrong (« mon pc ne démarre plus depuis ce
# matin, écran noir »): accent-folded symptoms, and the request phrases that say nothing of it.
_SYMPTOMS = (
    "marche plus", "marche pas", "fonctionne plus", "fonctionne pas", "demarre plus",
    "demarre pas", "allume plus", "allume pas", "bloque", "plante", "ecran noir", "ecran bleu",
    "erreur", "panne", "bug", "imprime plus", "imprime pas", "rame", "impossible",
    "arrive pas", "arrive plus", "ouvre plus", "ouvre pas", "repond plus", "repond pas",
    "charge plus", "charge pas", "casse", "hs", "ne s affiche", "affiche plus", "gele",
)  # fmt: skip
_REQUEST_PHRASES = (
    "je voudrais", "je veux", "il faut", "pouvez vous", "vous pouvez", "ouvrir", "faire",
    "creer", "un ticket", "une demande", "un probleme", "un souci", "j ai", "besoin d aide",
    "de l aide", "aidez moi", "svp", "s il vous plait", "bonjour", "le technicien",
    "un technicien", "l assistance", "le prestataire",
)  # fmt: skip
DESCRIBED_MIN_WORDS = 4


def described_problem(text: str) -> str | None:
    """The description already given by the message that asked for help, or ``None`` when it
    only asks (« je voudrais ouvrir un ticket ») or is a button: then the form asks for it."""
    if text.strip().startswith("/"):
        return None
    folded = fold(text)
    if not any(_has(folded, symptom) for symptom in _SYMPTOMS):
        return None
    rest = folded
    for phrase in _REQUEST_PHRASES:
        rest = rest.replace(f" {phrase} ", " ")
    if len(rest.split()) < DESCRIBED_MIN_WORDS:
        return None
    return parse_problem(text)


def parse_problem(text: str) -> str | None:
    """The free description: kept when it says something, truncated to a sane length."""
    cleaned = " ".join(text.split())
    if cleaned.startswith("/"):
        return None  # a button of another message, not a description
    if len(re.sub(r"[^\w]", "", cleaned)) < PROBLEM_MIN_CHARS:
        return None
    return truncate(cleaned, PROBLEM_MAX_CHARS)
