"""Whether a person says they already typed a password or a code somewhere (« j'ai cliqué et
j'ai mis mon mot de passe »): they need « changez-le maintenant » before « envoyez-moi le mail ».

Read on the text Rasa received (already redacted: a password typed to Vigie itself is a
placeholder by then, and is answered by the redaction warning, not here).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["typed_a_secret"]

_SUBJECT = r"(?:j ?ai|jai|g|j y ai|on a|je l ai|je les ai)"
_VERB = (
    r"(?:mis|remis|saisi|sasi|tape|tapee|rentre|rentree|entre|entree|donne|donnee|renseigne|"
    r"communique|ecrit|indique|valide|fourni|envoye)"
)
_SECRET = (
    r"(?:mots? de passe|mdp|mpd|identifiants?|codes?|login|logins|pin|coordonnees bancaires|"
    r"numero de (?:ma )?carte|carte bancaire|cb|code sms|code recu)"
)
_GAP = r"(?:\s+\S+){0,5}?\s+"  # up to five words between
_NEGATION = re.compile(r"\b(?:pas|rien|jamais|aucun|aucune|ni)\b")
# « j'ai mis mon mot de passe », « g tapé mes identifiants », « j'ai donné le code reçu »
_SAID = re.compile(rf"\b{_SUBJECT}\s+(?P<between>(?:\S+\s+){{0,2}}?){_VERB}{_GAP}{_SECRET}\b")
# « mon mdp saisi sur le site », « mes identifiants, je les ai rentrés »
_AFTER = re.compile(rf"\b(?:mon|ma|mes|le|les){_GAP}?{_SECRET}\b[^.?!]{{0,25}}?\b{_VERB}\b")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + re.sub(r"[^a-z0-9]+", " ", stripped).strip() + " "


def typed_a_secret(text: str) -> bool:
    """True when ``text`` says its writer already typed or gave a password, a code or card
    details (not « je n'ai pas mis mon mot de passe », not a question about passwords)."""
    folded = _fold(text)
    for match in _SAID.finditer(folded):
        if not _NEGATION.search(match.group("between")):
            return True
    for match in _AFTER.finditer(folded):
        start = max(0, match.start() - 12)
        if not _NEGATION.search(folded[start : match.end()]):
            return True
    return False
