"""Understanding the answers to the suspicious e-mail form, typed or chosen with a button.

« Qu’avez-vous fait avec ce mail ? » is answered the way staff write on a phone
(« g cliqué », « j ai mis mon mdp », « ouvert la pj », « non rien »). The answer is cut into
clauses (« j’ai cliqué mais pas mis mon mdp »); a negated clause (« pas », « rien »,
« jamais »…) does not count, unless the person says they are not sure (« je sais pas si j’ai
cliqué »: better safe). When several things were done, the most serious one wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vigie.conversation.forms import PROBLEM_QUESTION_CONFIDENCE, is_question
from vigie.tickets.form import fold

#: Answers to the first question (``clicked_asked`` comes from the second one).
FORM_ANSWERS: tuple[str, ...] = ("none", "clicked", "credentials", "attachment", "replied")
YES_NO: tuple[str, ...] = ("yes", "no")
#: After a click, the form asks whether the page asked for something.
CLICKED: tuple[str, ...] = ("clicked", "clicked_asked")
# Questions asked instead of an answer: answered first, then the form asks again.
QUESTION_INTENTS = frozenset({"faq", "help", "bot_challenge", "ticket_status"})
# « J’ai reçu un mail bizarre » mid-form would ask for the e-mail again: not an answer.
NOT_SIDE_INTENTS = frozenset({"report_phishing"})
#: Longest report id read from a payload (a database id, not a number of any length).
REPORT_ID_MAX_DIGITS = 18

# Accent-folded regular expressions, matched at the start of a word; most serious first.
_ACTION_PATTERNS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("credentials", (r"mdp", r"mots? de pas", r"motdepas", r"pass(word)?\b", r"identifiant",
                     r"login", r"codes?\b", r"carte (bancaire|bleue|de credit)", r"cb\b",
                     r"numero de carte", r"cryptogramme", r"saisi", r"renseign", r"rempli",
                     r"formulaire", r"(re)?connectee?s?\b", r"mes (infos|informations|coordonnees)")),
    ("attachment", (r"pj\b", r"p j\b", r"piece", r"fichier", r"documents?\b", r"doc\b",
                    r"pdf", r"zip", r"telecharg", r"facture", r"macro", r"activ\w* le contenu",
                    r"word\b", r"excel")),
    ("replied", (r"repon", r"rep\b", r"ecrit a", r"envoye (le|mon|ma|mes|un|une|des|la|l)\b",
                 r"renvoye", r"rib\b", r"iban", r"virement", r"vire\b", r"paye", r"paiement",
                 r"cartes? cadeaux?", r"achete")),
    ("clicked", (r"cli[cq]", r"clik", r"appuy", r"lien", r"url\b", r"site", r"page")),
)  # fmt: skip
_NOTHING = (r"rien", r"aucun", r"non\b", r"nan\b", r"no\b", r"nothing", r"lu\b", r"supprim",
            r"efface", r"corbeille", r"ignore", r"signale", r"transfer", r"regarde", r"ferme",
            r"ouvert (le|ce) (mail|message|courriel)", r"pas touche")  # fmt: skip
# What makes a clause negative; « ne » alone is left out (« je n’ai fait que cliquer »).
_NEGATION = (r"pas\b", r"pa\b", r"rien\b", r"jamais\b", r"aucune?\b", r"ni\b")
# Doubt is not a « no »: « je sais pas si j’ai cliqué » counts as having clicked.
_DOUBT = (r"sais pas", r"sais plus", r"jsp\b", r"pas sure?\b", r"peut etre", r"je crois",
          r"il me semble", r"me souviens (pas|plus)", r"rappelle (pas|plus)", r"possible")  # fmt: skip
_YES = (r"oui", r"ouais", r"ouai\b", r"yes\b", r"ok\b", r"si\b", r"demand", r"voulait",
        r"fallait", r"mdp", r"mots? de pas", r"identifiant", r"login", r"codes?\b", r"paie",
        r"paye", r"carte", r"telecharg", r"formulaire", r"connexion", r"connecter")  # fmt: skip
_NO = (r"non\b", r"nan\b", r"no\b", r"rien", r"aucun", r"pas\b", r"pa\b", r"jamais", r"ferme",
       r"blanche", r"erreur")  # fmt: skip
# Clauses are separated by punctuation and by these words (« non » closes a clause too).
_PUNCTUATION = re.compile(r"[,.;:!?\n()]+")
_CONNECTORS = re.compile(r"(?<![a-z0-9])(?:mais|et|puis|ensuite|par contre|sauf que)(?![a-z0-9])")
_NO_WORDS = re.compile(r"(?<![a-z0-9])(?:non|nan)(?![a-z0-9])")


def _any(folded: str, patterns: Sequence[str]) -> bool:
    return any(re.search(r"(?<![a-z0-9])" + p, folded) for p in patterns)


def _clauses(text: str) -> list[str]:
    """The answer cut into folded clauses (empty ones dropped)."""
    pieces = [c for p in _PUNCTUATION.split(text) for c in _CONNECTORS.split(fold(p))]
    return [f" {p.strip()} " for p in pieces if p.strip()]


def _negative(clause: str) -> bool:
    return _any(clause, _NEGATION) and not _any(clause, _DOUBT)


def _button(choice: str | None, codes: Sequence[str]) -> str | None:
    return choice if choice in codes else None


def parse_mail_action(text: str, choice: str | None = None) -> str | None:
    """What the person did with the e-mail (``FORM_ANSWERS``), or ``None`` if not understood.

    A button's ``choice`` wins. Typed: the most serious thing done in a clause that is not
    negated; else « nothing » when something was denied (« j’ai pas cliqué ») or nothing was
    done (« rien », « non », « je l’ai supprimé »).
    """
    button = _button(choice, FORM_ANSWERS)
    if button is not None or text.lstrip().startswith("/"):
        return button
    clauses = [c for part in _clauses(text) for c in _NO_WORDS.split(part) if c.strip()]
    done: set[str] = set()
    denied = False
    for clause in clauses:
        found = {code for code, patterns in _ACTION_PATTERNS if _any(clause, patterns)}
        if found and _negative(clause):
            denied = True
        else:
            done |= found
    for code, _ in _ACTION_PATTERNS:
        if code in done:
            return code
    if denied or _any(fold(text), _NOTHING):
        return "none"
    return None


def parse_yes_no(text: str, choice: str | None = None) -> str | None:
    """Whether the page opened asked for something: ``yes``, ``no``, or ``None``.

    A doubt (« je sais pas ») counts as ``yes``: the reflexes are then the careful ones.
    """
    button = _button(choice, YES_NO)
    if button is not None or text.lstrip().startswith("/"):
        return button
    folded = fold(text)
    if _any(folded, _DOUBT):
        return "yes"
    for clause in _clauses(text):
        if _any(clause, _YES) and not _any(clause, _NO):
            return "yes"
    if _any(folded, _NO):
        return "no"
    return None


def required_questions(mail_action: str | None) -> list[str]:
    """The form's questions (slots): the page question only after a click."""
    if mail_action in CLICKED:
        return ["mail_action", "link_asked"]
    return ["mail_action"]


def action_after_link(answer: str) -> str:
    """What the person did, once they said whether the page asked for something."""
    return "clicked_asked" if answer == "yes" else "clicked"


def question_first(text: str, button: str | None, intent: str | None, confidence: float) -> bool:
    """A typed question (« c’est grave ? ») to answer before reading the text as an answer."""
    return (
        button is None
        and is_question(text)
        and intent in QUESTION_INTENTS
        and confidence >= PROBLEM_QUESTION_CONFIDENCE
    )


def may_be_side_question(intent: str | None) -> bool:
    """An answer not understood may be a question to answer (not « j’ai reçu un mail »)."""
    return intent not in NOT_SIDE_INTENTS


def parse_report_id(value: object) -> int | None:
    """The report id of a payload or a slot (``"42"``), or ``None``."""
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) <= REPORT_ID_MAX_DIGITS else None
