"""Understanding the answers to the ticket form, typed or chosen with a button.

Buttons carry a code (``/inform{"choice":"printer"}``); typed answers are matched on
accent-folded keywords. Each parser returns a code, or ``None`` when the answer makes no sense
for the question asked, so that the form asks again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

PROBLEM_MIN_CHARS = 3
PROBLEM_MAX_CHARS = 1500

DEVICES = ("workstation", "printer", "care_software", "email", "phone", "network", "other")
SCOPES = ("me", "service", "facility")
CARE_IMPACTS = ("yes", "degraded", "no")
URGENCIES = ("low", "normal", "high", "critical")
FIELDS = ("problem", "device", "scope", "care_impact", "urgency")
CONFIRMATIONS = ("confirm", "modify")

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
_CARE_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("degraded", ("difficult", "difficil", "complique", "ralenti", "mal", "bof", "plus ou moins",
                  "en partie", "papier", "a peu pres", "moyen")),
    ("no", ("non", "impossible", "bloque", "pas du tout", "plus rien", "arret", "nan")),
    ("yes", ("oui", "ouais", "ca va", "normalement", "continue", "pas de souci", "sans souci",
             "ok", "yes")),
)  # fmt: skip
_URGENCY_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("critical", ("critique", "tres urgent", "vital", "grave")),
    ("low", ("basse", "faible", "pas urgent", "peu urgent", "pas presse")),
    ("high", ("haute", "urgent", "eleve", "forte")),
    ("normal", ("normal", "moyenne", "standard")),
)  # fmt: skip
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
                 "d accord", "go", "yes", "ouais")),
)  # fmt: skip


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + re.sub(r"[^a-z0-9/\-]+", " ", stripped).strip() + " "


def _match(text: str, table: Sequence[tuple[str, tuple[str, ...]]]) -> str | None:
    folded = fold(text)
    for code, words in table:
        for word in words:
            pattern = r"(?<![a-z0-9])" + re.escape(word.strip())
            if re.search(pattern, folded):
                return code
    return None


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
    """Whether care can go on (``CARE_IMPACTS``)."""
    return _choice(text, choice, CARE_IMPACTS) or _match(text, _CARE_WORDS)


def parse_urgency(text: str, choice: str | None = None) -> str | None:
    """A corrected urgency (``URGENCIES``)."""
    return _choice(text, choice, URGENCIES) or _match(text, _URGENCY_WORDS)


def parse_field(text: str, choice: str | None = None) -> str | None:
    """Which answer to change (``FIELDS``)."""
    return _choice(text, choice, FIELDS) or _match(text, _FIELD_WORDS)


def parse_confirmation(text: str, choice: str | None = None) -> str | None:
    """``confirm`` or ``modify`` at the summary (cancelling is an intent of its own)."""
    return _choice(text, choice, CONFIRMATIONS) or _match(text, _CONFIRM_WORDS)


def parse_problem(text: str) -> str | None:
    """The free description: kept when it says something, truncated to a sane length."""
    cleaned = " ".join(text.split())
    if cleaned.startswith("/"):
        return None  # a button of another message, not a description
    if len(re.sub(r"[^\w]", "", cleaned)) < PROBLEM_MIN_CHARS:
        return None
    if len(cleaned) > PROBLEM_MAX_CHARS:
        cleaned = cleaned[: PROBLEM_MAX_CHARS - 1].rstrip() + "…"
    return cleaned
