"""Remove secrets and personal identifiers from user messages before they are stored.

:func:`redact` replaces passwords, PIN and one-time codes, logins, e-mail addresses, French
phone numbers, social security numbers (NIR), IBANs, payment card numbers and CPS card numbers
with a French placeholder in brackets, and keeps the rest of the message readable so that the
NLU still understands it ("j'ai donné mon mdp au faux technicien" is left alone).

Secrets are recognised in context (a keyword such as "mdp", "code pin", "login" followed by a
few words of the same clause, a separator such as ":" or "c'est", and a value); in a message
that talks about a code or an SMS, any isolated six-digit number is taken for a one-time code.
Identifiers are recognised by their shape, checked where a checksum exists (Luhn for cards,
mod 97 for IBANs; a NIR needs a valid key unless written in its spaced groups). Dates, times,
counts and ticket references (VIG-2026-00042) are kept. Every pattern is compiled once, uses
bounded repetitions only and starts at a token boundary, so the cost is linear in the length
of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

__all__ = ["PLACEHOLDERS", "Redaction", "redact"]

PLACEHOLDERS: Final[dict[str, str]] = {
    "password": "[mot de passe masqué]",
    "code": "[code masqué]",
    "identifier": "[identifiant masqué]",
    "email": "[adresse e-mail masquée]",
    "phone": "[numéro masqué]",
    "iban": "[IBAN masqué]",
    "nir": "[n° de sécurité sociale masqué]",
    "card": "[carte bancaire masquée]",
    "cps": "[n° de carte CPS masqué]",
}


@dataclass(frozen=True, slots=True)
class Redaction:
    """The redacted text and the kinds of data removed, in order of first appearance."""

    text: str
    found: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.found)


# --------------------------------------------------------------------------- building blocks

_ACCENTS: Final = {
    "a": "[aàâä]",
    "c": "[cç]",
    "e": "[eéèêë]",
    "i": "[iîï]",
    "o": "[oôö]",
    "u": "[uùûü]",
}


def _loose(word: str) -> str:
    """A regex matching ``word`` with or without accents and with flexible spaces."""
    parts: list[str] = []
    for char in word:
        if char == " ":
            parts.append(r"\s+")
        elif char == "'":
            parts.append(r"['’]\s?")
        else:
            parts.append(_ACCENTS.get(char, re.escape(char)))
    return "".join(parts)


def _alternation(words: str) -> str:
    """Alternation of whitespace-separated words, longest first, accents optional."""
    items = sorted(words.split(), key=len, reverse=True)
    return "(?:" + "|".join(_loose(item) for item in items) + ")"


# Words that follow "mdp est", "login :" in ordinary sentences: never taken for a secret.
_STOPWORDS: Final = _alternation(
    """
    le la les un une des du de mon ma mes ton ta tes son sa ses notre votre vos leur leurs
    ce cet cette ces celui celle ceux celles ca cela ici la-bas quoi quel quelle quels quelles
    lequel laquelle comment pourquoi ou oui non ne pas plus jamais toujours encore deja trop
    tres bien mal bon bonne bons mauvais mauvaise faux fausse vrai vraie correct correcte
    incorrect incorrecte juste errone erronee invalide valide expire expiree expires perime
    perimee bloque bloquee verrouille verrouillee oublie oubliee perdu perdue change changee
    modifie modifiee refuse refusee accepte different differente pareil pareille identique
    meme simple complique compliquee court courte long longue facile difficile faible fort
    forte solide securise securisee personnel personnelle partage partagee commun commune
    connu connue public publique affiche affichee ecrit ecrite note notee inscrit inscrite
    colle collee sur dans sous avec sans pour par en a au aux chez derriere devant entre
    vers depuis apres avant demande demandee requis requise obligatoire necessaire nouveau
    nouvelle ancien ancienne temporaire provisoire habituel habituelle standard defaut vide
    nul nulle casse cassee ok okay rien tout tous toute toutes compromis pirate volé vole
    devenu devenue cense censee masque masquee quelque chose et mais donc car
    je tu il elle on nous vous ils elles y
    mdp mot login identifiant user code pin password est sont etait sera ai as
    nom prenom date annee numero initiales
    """
)

_BREAKERS: Final = _alternation(
    """
    et ou mais car donc or ni je j tu il elle on nous vous ils elles ne n pas plus qui que qu
    quand si parce puis alors est c cest ces sera etait reste
    """
)

_WORD: Final = r"[^\s:=,.;!?()\[\]«»\"“”]{1,40}"
_STRONG_SEP: Final = r"\s*(?:[:=]|->|→|=>)\s*"
_VERBAL_SEP: Final = (
    r"\s+(?:est|c['’]\s?est|c\s+est|cest|ces|c|c['’]\s?[eé]tait|c[eé]tait|[eé]tait|sera|reste)"
    r"(?:\s*[:=]\s*|\s+)"
)
_VALUE: Final = r"(?:«\s?[^»\n]{1,64}»|\"[^\"\n]{1,64}\"|“[^”\n]{1,64}”|[^\s«»\"“”\[\]()]{1,64})"
# Lower-case French participles and infinitives ("oublié", "changer", "marchant") are words.
_FRENCH_WORD: Final = r"(?-i:[a-zà-ÿ]{1,30}(?:é|ée|és|ées|er|ir|ant)(?![\w'’-]))"
# A value that looks like a secret on its own: contains a digit or a symbol, or mixes cases.
_LOOKS_SECRET: Final = r"(?=[«\"“]|[^\s]{0,63}(?:\d|[!@#$%^&*+=_~\\|<>{}]|(?-i:[a-z][A-Z])))"
# Dates, times, small counts, years and ticket references are never taken for a value.
_NOT_YEAR: Final = r"(?!(?:19|20)\d\d(?![\w/.:-]))"
_NOT_DATE_TIME: Final = (
    r"(?!\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?(?![\w/])"
    r"|\d{1,2}\s?[h:]\s?(?:\d{2})?(?!\w)"
    r"|\d{1,3}(?![\w/.,:-])"
    r"|[A-Z]{2,5}-\d{4}-\d{2,6}(?!\w))"
)
_NOT_WORD: Final = rf"(?!{_STOPWORDS}(?=[\s,;!?:)]|\.(?!\w)|$)|\w['’]|[?!.,;:=…→])"


def _mid(max_words: int) -> str:
    """Up to ``max_words`` words between a keyword and its value, within one clause."""
    return rf"(?:\s+(?!{_BREAKERS}\b){_WORD}){{0,{max_words}}}?"


def _contextual(
    keywords: str,
    value: str,
    *,
    verbal_guard: str | None = "",
    bare_guard: str | None = "",
    bare_words: int = 2,
) -> re.Pattern[str]:
    """A keyword, a few words, a separator, then the value (group ``val``, ``val2``, ``val3``).

    After a strong separator (``:``, ``=``) any value but a common word is taken. After a
    verb ("est", "c'est") the value must also pass ``verbal_guard`` and not look like a French
    participle ("expiré"); without separator it must pass ``bare_guard``. A guard of None
    disables that form.
    """
    branches = [rf"{_mid(5)}{_STRONG_SEP}\(?{_NOT_WORD}(?P<val>{value})"]
    if verbal_guard is not None:
        branches.append(
            rf"{_mid(5)}{_VERBAL_SEP}\(?{_NOT_WORD}(?!{_FRENCH_WORD}){verbal_guard}(?P<val2>{value})"
        )
    if bare_guard is not None:
        branches.append(
            rf"{_mid(bare_words)}\s+\(?{_NOT_WORD}(?!{_FRENCH_WORD}){bare_guard}(?P<val3>{value})"
        )
    body = "|".join(f"(?:{b})" for b in branches)
    return re.compile(rf"(?<![\w\[-])(?:{keywords})\b(?:{body})", re.IGNORECASE)


_PASSWORD_KEYWORDS: Final = (
    r"mots?[\s-]+de[\s-]+passe|motdepasse|mdps?|passwords?|passwd|pwd|pass\s?word|passphrase"
    r"|phrase\s+de\s+passe|code\s+d['’]\s?acc[eè]s|code\s+secret"
    r"|(?:code|cl[eé]f?|mdp)\s+(?:du\s+|de\s+la\s+)?wi-?fi|code\s+de\s+session"
)
_CODE_EXCLUDED: Final = (
    r"(?!\s*(?:d['’]\s?|de\s+l['’]\s?)?erreurs?\b|\s+(?:postal|barre|article|produit|promo|source"
    r"|couleur|ape|naf|rome|civil|p[eé]nal|de\s+la\s+route|du\s+travail|de\s+la\s+sant[eé])\b)"
)
_CODE_KEYWORDS: Final = rf"code{_CODE_EXCLUDED}|pin|otp|2fa|digicode|cryptogramme|cvv|cvc"
_CODE_VALUE: Final = r"(?:(?:[A-Z]{1,3}-)?\d{4,8}[A-Z#*]?|\d{3}[ ]\d{3})(?![\w/:-]|[.,]\d)"
_LOGIN_SHAPE: Final = r"(?=[^\s]{0,40}[\d._@-])"

_PASSWORD_RE: Final = _contextual(
    _PASSWORD_KEYWORDS,
    _VALUE,
    verbal_guard=_NOT_DATE_TIME,
    bare_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
)
_CODE_RE: Final = _contextual(_CODE_KEYWORDS, _CODE_VALUE, bare_words=3)
_SMS_CODE_RE: Final = _contextual(r"sms|texto", _CODE_VALUE, bare_guard=_NOT_YEAR, bare_words=3)
_IDENTIFIER_RE: Final = _contextual(
    r"identifiants?|login|log\s?in|nom\s+d['’]\s?utilisateur",
    _VALUE,
    verbal_guard=_NOT_DATE_TIME,
    bare_guard=_LOGIN_SHAPE + _NOT_YEAR + _NOT_DATE_TIME,
)
_USER_RE: Final = _contextual(
    r"user(?:name)?|utilisateur|id", _VALUE, verbal_guard=None, bare_guard=None
)
_CPS_RE: Final = _contextual(r"(?:carte\s+)?(?:e-?)?cps", r"\d(?:[ ]?\d){7,19}(?!\d)")
_RPPS_RE: Final = _contextual(r"rpps|adeli", r"\d(?:[ ]?\d){8,10}(?!\d)")
_NIR_CONTEXT_RE: Final = _contextual(
    r"s[eé]cu(?:rit[eé]\s+sociale)?|nir|num[eé]ro\s+ss|carte\s+vitale|insee",
    r"[1-478](?:[ ]?[\dAB]){12,14}(?![\dA-Za-z])",
)

# A message about a one-time code: any isolated 6-digit number in it is taken for the code.
_OTP_HINT_RE: Final = re.compile(
    r"\b(?:code|sms|texto|otp|2fa|authentification|validation|v[eé]rification)", re.IGNORECASE
)
_SIX_DIGITS_RE: Final = re.compile(r"(?<![\w/.,:+-])\d{3}[ ]?\d{3}(?![\w/:-]|[.,]\d|[ ]\d)")

_EMAIL_RE: Final = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}+@(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}+\.){1,8}+[A-Za-z]{2,24}"
    r"(?![\w-])"
)
_PHONE_RE: Final = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[ .-]?\d{2}){4}(?![\d])"
)
_NIR_RE: Final = re.compile(
    r"(?<![\w])(?P<body>[1-478]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])"
    r"\s?\d{3}\s?\d{3})\s?(?P<key>\d{2})(?![\w])",
    re.IGNORECASE,
)
_IBAN_RE: Final = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,3})?"
    r"(?![A-Za-z0-9])"
)
_CARD_RE: Final = re.compile(r"(?<![\w.,])\d(?:[ -]?\d){12,18}(?![\w])")

_IBAN_LENGTHS: Final = {
    "FR": 27, "MC": 27, "BE": 16, "DE": 22, "ES": 24, "IT": 27, "LU": 20, "CH": 21,
    "GB": 22, "PT": 25, "NL": 18, "AT": 20, "IE": 22,
}  # fmt: skip

_TRAILING: Final = ".,;:?)»\"'’"


# --------------------------------------------------------------------------- checks


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _iban_valid(compact: str) -> bool:
    country = compact[:2].upper()
    if _IBAN_LENGTHS.get(country) == len(compact):
        return True
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(char, 36)) for char in rearranged))
    except ValueError:
        return False
    return 15 <= len(compact) <= 34 and number % 97 == 1


def _nir_key_valid(body: str, key: str) -> bool:
    compact = body.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(compact) % 97 == int(key)


def _compact(text: str) -> str:
    return "".join(char for char in text if char.isalnum())


# --------------------------------------------------------------------------- span finders

_Span = tuple[int, int, str]


def _value_spans(pattern: re.Pattern[str], kind: str, text: str) -> Iterator[_Span]:
    for match in pattern.finditer(text):
        for group in ("val", "val2", "val3"):
            try:
                start, end = match.span(group)
            except IndexError:
                continue
            if start < 0:
                continue
            value = text[start:end]
            if value[:1] not in '«"“':
                while end - start > 1 and text[end - 1] in _TRAILING:
                    end -= 1
            yield start, end, kind
            break


def _checked_spans(
    pattern: re.Pattern[str], kind: str, text: str, check: Callable[[re.Match[str]], bool]
) -> Iterator[_Span]:
    for match in pattern.finditer(text):
        if check(match):
            yield match.start(), match.end(), kind


def _nir_check(match: re.Match[str]) -> bool:
    body, key = match.group("body"), match.group("key")
    spaced = any(char.isspace() for char in match.group(0))
    return spaced or _nir_key_valid(_compact(body), key)


def _otp_spans(text: str) -> Iterator[_Span]:
    if _OTP_HINT_RE.search(text) is None:
        return
    for match in _SIX_DIGITS_RE.finditer(text):
        yield match.start(), match.end(), "code"


def _finders() -> list[Callable[[str], Iterator[_Span]]]:
    """Span finders in priority order: an earlier finder wins on overlapping spans."""
    return [
        lambda t: _value_spans(_CODE_RE, "code", t),
        lambda t: _value_spans(_SMS_CODE_RE, "code", t),
        lambda t: _value_spans(_PASSWORD_RE, "password", t),
        lambda t: _checked_spans(_IBAN_RE, "iban", t, lambda m: _iban_valid(_compact(m[0]))),
        lambda t: _checked_spans(_NIR_RE, "nir", t, _nir_check),
        lambda t: _value_spans(_NIR_CONTEXT_RE, "nir", t),
        lambda t: _checked_spans(_CARD_RE, "card", t, lambda m: _luhn_valid(_compact(m[0]))),
        lambda t: _value_spans(_CPS_RE, "cps", t),
        lambda t: _value_spans(_RPPS_RE, "identifier", t),
        lambda t: _checked_spans(_EMAIL_RE, "email", t, lambda m: True),
        lambda t: _checked_spans(_PHONE_RE, "phone", t, lambda m: True),
        lambda t: _value_spans(_IDENTIFIER_RE, "identifier", t),
        lambda t: _value_spans(_USER_RE, "identifier", t),
        _otp_spans,
    ]


_FINDERS: Final = _finders()


def redact(text: str) -> Redaction:
    """Replace secrets and identifiers in ``text`` by French placeholders."""
    accepted: list[_Span] = []
    taken = bytearray(len(text))
    for finder in _FINDERS:
        for start, end, kind in finder(text):
            if taken.find(1, start, end) == -1:
                taken[start:end] = b"\x01" * (end - start)
                accepted.append((start, end, kind))
    if not accepted:
        return Redaction(text, ())
    accepted.sort()
    parts: list[str] = []
    found: list[str] = []
    position = 0
    for start, end, kind in accepted:
        parts.append(text[position:start])
        parts.append(PLACEHOLDERS[kind])
        position = end
        if kind not in found:
            found.append(kind)
    parts.append(text[position:])
    return Redaction("".join(parts), tuple(found))
