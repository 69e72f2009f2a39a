"""Understanding the answers to the incident and lost-device forms, typed or chosen with a
button.

Every question can be skipped: the « Passer » button (``/inform{"choice":"skip"}``) or a
typed « passer », « je sais pas »… gives :data:`SKIP`, which the draft reads as « not said ».
On the yes/no questions « je ne sais pas » is an answer of its own (``unknown``), and only
« passer » skips. Each parser returns a code, :data:`SKIP`, or ``None`` when the answer makes
no sense for the question asked (the form then asks again).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from vigie.core.typography import truncate
from vigie.incidents.views import IncidentDraft
from vigie.incidents.vocabulary import CARE_ANSWERS, LOST_DEVICES, TRISTATE
from vigie.tickets.form import fold, parse_care_impact

#: A skipped question (the slot needs a value for the form to go on).
SKIP = "skip"
TEXT_MIN_CHARS = 2
TEXT_MAX_CHARS = 1000
#: A typed « passer » or « je sais pas » skips only in a short answer.
SKIP_MAX_WORDS = 4

#: The questions of each form (Rasa slots), in the order they are asked.
INCIDENT_QUESTIONS: tuple[str, ...] = (
    "incident_what",
    "incident_since",
    "incident_extent",
    "incident_care",
    "incident_data",
    "incident_done",
)
LOST_QUESTIONS: tuple[str, ...] = ("lost_what", "lost_when", "lost_data", "lost_locked")

#: The buttons of the free questions: their code, and the answer it stands for.
CHOICE_ANSWERS: dict[str, str] = {
    "just_now": "à l’instant",
    "today": "aujourd’hui",
    "yesterday": "hier",
    "earlier": "avant hier ou plus tôt",
    "one": "un seul poste",
    "several": "plusieurs postes",
    "all": "tout l’établissement",
    "nothing": "rien encore",
}

# Accent-folded patterns, matched at the start of a word.
_PASS = (r"pass(er|e|ons|ez)?\b", r"suivant", r"skip\b", r"next\b", r"question suivante")
_DONT_KNOW = (r"(je )?(ne )?sais (pas|plus|rien)", r"jsp\b", r"aucune idee", r"pas sure?\b",
              r"on ne sait pas", r"on sait pas", r"ne sait pas", r"peut[ -]?etre", r"inconnu",
              r"sai pas", r"chai pas", r"j en sais rien")  # fmt: skip
_YES = (r"oui\b", r"ouais", r"ouai\b", r"yes\b", r"ok\b", r"si\b", r"bien sur", r"evidemment",
        r"surement", r"certainement", r"probablement")  # fmt: skip
_NO = (r"non\b", r"nan\b", r"no\b", r"aucune?\b", r"rien\b", r"jamais\b", r"pas\b")
# Locked or encrypted: what a protected device has (a negation in the clause wins).
_LOCKED = (r"verrouill", r"code", r"chiffr", r"crypt", r"mot de passe", r"mdp", r"schema",
           r"empreinte", r"face ?id", r"pin\b", r"protege")  # fmt: skip
_DEVICE_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("laptop", (r"ordinateur portable", r"ordi portable", r"pc portable", r"portable pc",
                r"laptop", r"ordinateur", r"ordi\b", r"pc\b", r"macbook")),
    ("tablet", (r"tablette", r"ipad")),
    ("cps_card", (r"cps\b", r"carte cps", r"carte pro", r"carte de professionnel", r"e-?cps",
                  r"cpe\b", r"carte vitale pro")),
    ("usb_key", (r"cle usb", r"cle\b", r"usb\b", r"disque")),
    ("badge", (r"badge",)),
    ("phone", (r"telephone", r"tel\b", r"portable", r"smartphone", r"mobile", r"iphone",
               r"android", r"dect")),
    ("other", (r"autre",)),
)  # fmt: skip


def _any(folded: str, patterns: Sequence[str]) -> bool:
    return _first(folded, patterns) is not None


def _first(folded: str, patterns: Sequence[str]) -> int | None:
    """Where the earliest of ``patterns`` starts in ``folded``, or ``None``."""
    found = [m.start() for p in patterns if (m := re.search(r"(?<![a-z0-9])" + p, folded))]
    return min(found) if found else None


def _button(choice: str | None, codes: Sequence[str]) -> str | None:
    if choice == SKIP:
        return SKIP
    return choice if choice in codes else None


def _is_payload(text: str) -> bool:
    """A button of another message (``/inform{…}``), never a typed answer."""
    return text.lstrip().startswith("/")


def wants_to_pass(text: str) -> bool:
    """« passer », « suivant »: skip this question (a short answer only: « on passe sur
    papier » answers the question)."""
    folded = fold(text)
    return len(folded.split()) <= SKIP_MAX_WORDS and _any(folded, _PASS)


def does_not_know(text: str) -> bool:
    """« je sais pas », « aucune idée », « peut-être »."""
    return _any(fold(text), _DONT_KNOW)


def parse_text(text: str, choice: str | None = None) -> str | None:
    """A free answer (what, since when, how many, what was done): kept when it says
    something, :data:`SKIP` when skipped, ``None`` otherwise."""
    if choice == SKIP:
        return SKIP
    if choice in CHOICE_ANSWERS:
        return CHOICE_ANSWERS[choice]
    if _is_payload(text):
        return None
    cleaned = " ".join(text.split())
    folded = fold(cleaned)
    short = len(folded.split()) <= SKIP_MAX_WORDS
    if short and (wants_to_pass(cleaned) or does_not_know(cleaned)):
        return SKIP
    if len(re.sub(r"[^\w]", "", cleaned)) < TEXT_MIN_CHARS:
        return None
    return truncate(cleaned, TEXT_MAX_CHARS)


#: Words the first message needs (beside « au secours ») to be a description of its own.
DESCRIBED_MIN_WORDS = 5


def described_incident(text: str) -> str | None:
    """The description the message that revealed the incident already gives (« au secours
    mon écran affiche une demande de rançon »), so that « Que se passe-t-il ? » is not asked
    again; ``None`` for a button, a bare cry for help or a short message."""
    if _is_payload(text) or len(fold(text).split()) < DESCRIBED_MIN_WORDS:
        return None
    return _said(parse_text(text))


def described_lost_device(text: str) -> str | None:
    """What the message that declared a loss says was lost (« j'ai perdu ma carte CPS »), or
    ``None`` when it does not say (then the form asks)."""
    if _is_payload(text):
        return None
    code = parse_lost_device(text)
    return None if code in (None, SKIP, "other") else code


def parse_care(text: str, choice: str | None = None) -> str | None:
    """Can care continue (``CARE_ANSWERS``), or :data:`SKIP`."""
    button = _button(choice, CARE_ANSWERS)
    if button is not None or _is_payload(text):
        return button
    if wants_to_pass(text) or does_not_know(text):
        return SKIP
    return parse_care_impact(text)


def parse_tristate(text: str, choice: str | None = None) -> str | None:
    """Yes / no / « je ne sais pas » (``TRISTATE``), or :data:`SKIP` (« passer »)."""
    button = _button(choice, TRISTATE)
    if button is not None or _is_payload(text):
        return button
    if wants_to_pass(text):
        return SKIP
    folded = fold(text)
    if _any(folded, _DONT_KNOW):
        return "unknown"
    no, yes = _first(folded, _NO), _first(folded, _YES)
    if no is None and yes is None:
        return None
    if yes is None or (no is not None and no < yes):
        return "no"  # « non », « pas du tout »; « non, enfin oui » keeps its first word
    return "yes"


def parse_locked(text: str, choice: str | None = None) -> str | None:
    """Whether the device was locked or encrypted: « oui », « il y a un code » are yes;
    « non », « pas de code » are no; « je sais pas » is unknown."""
    answer = parse_tristate(text, choice)
    if answer is not None:
        return answer
    return "yes" if _any(fold(text), _LOCKED) else None


def parse_lost_device(text: str, choice: str | None = None) -> str | None:
    """What was lost or stolen (``LOST_DEVICES``), or :data:`SKIP`."""
    button = _button(choice, LOST_DEVICES)
    if button is not None or _is_payload(text):
        return button
    folded = fold(text)
    for code, patterns in _DEVICE_WORDS:
        if _any(folded, patterns):
            return code
    if wants_to_pass(text) or does_not_know(text):
        return SKIP
    return None


def _said(value: str | None) -> str | None:
    return None if value in (None, "", SKIP) else value


def _code(value: str | None, codes: Sequence[str]) -> str | None:
    return value if value in codes else None


def incident_draft(answers: Mapping[str, str | None]) -> IncidentDraft:
    """The draft of the incident form's answers (slots); a skipped answer is not said."""
    return IncidentDraft(
        kind="incident",
        what=_said(answers.get("incident_what")),
        since=_said(answers.get("incident_since")),
        extent=_said(answers.get("incident_extent")),
        care_continues=_code(answers.get("incident_care"), CARE_ANSWERS),
        data_affected=_code(answers.get("incident_data"), TRISTATE),
        actions_taken=_said(answers.get("incident_done")),
    )


def lost_device_draft(answers: Mapping[str, str | None]) -> IncidentDraft:
    """The draft of the lost-device form's answers (slots)."""
    return IncidentDraft(
        kind="lost_device",
        lost_device=_code(answers.get("lost_what"), LOST_DEVICES),
        since=_said(answers.get("lost_when")),
        data_affected=_code(answers.get("lost_data"), TRISTATE),
        device_locked=_code(answers.get("lost_locked"), TRISTATE),
    )
