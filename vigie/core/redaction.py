"""Remove secrets and personal identifiers from user messages before they are stored.

:func:`redact` replaces passwords, PIN, CVV and one-time codes, logins, e-mail addresses, French
phone numbers, social security numbers (NIR), IBANs, payment card numbers and CPS card numbers
with a French placeholder in brackets, and keeps the rest of the message readable so that the
NLU still understands it ("j'ai donné mon mdp au faux technicien" is left alone).

Secrets are recognised in context: a keyword such as "mdp", "pass", "code pin", "cvv", "login"
followed by a few words of the same clause, a separator such as ":", "c'est", "?" or ",", and a
value ("mon mdp ? Soleil2024"); a value before its keyword ("j'ai mis Soleil2024 comme mot de
passe", "482913 est votre code"); in a message about a password, the values that follow up on
it ("l'ancien était Marguerite1", "X ou Y"); in a message that talks about a code or an SMS,
any isolated six-digit number. Identifiers are recognised by their shape, checked where a
checksum exists (python-stdnum: Luhn for cards, mod 97 and the country's format for IBANs; a
NIR needs a valid key unless written in its spaced groups). Dates, times, counts, years after
"en" or "depuis", ticket references (VIG-2026-00042), SIRET, FINESS and order numbers are
kept (docs/privacy.md says what is kept and why, and how well this is measured). Every
pattern is compiled once, uses bounded repetitions only and starts at a token boundary, so the
cost is linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final

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
    """Alternation of whitespace-separated words, accents optional, as a trie.

    A prefix tree ("(?:m(?:a|es|on)|…)") rather than a flat list: Python's engine tries the
    branches of an alternation one by one, and these lists are tried at every word of a clause.
    A longer word is tried before its prefixes, as in a longest-first alternation.
    """
    trie: dict[str, Any] = {}
    for word in words.split():
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict[str, Any]) -> str:
    branches = [_loose(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and len(node) == 1 else f"(?:{'|'.join(branches)})"
    if "" in node:
        body = f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body


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
    grave normal normale urgent urgente bizarre possible impossible dangereux dangereuse
    svp stp merci help aide vite fiable fiables sure sures
    malin maline safe suspect suspecte risque risquee louche
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
# "mon mdp ? Soleil2024", "mon mdp, Soleil2024", "mdp... Soleil2024": only values that look secret.
_WEAK_SEP: Final = r"\s*(?:\?{1,3}|,|\.{2,3}|…)\s*"
_VERBAL_SEP: Final = (
    r"\s+(?:est|c['’]\s?est|c\s+est|cest|ces|c|c['’]\s?[eé]tait|c[eé]tait|[eé]tait|sera|reste)"
    r"(?:\s*[:=]\s*|\s+)(?:(?:toujours|encore|maintenant|d[eé]sormais)\s+)?"
)
_VALUE: Final = r"(?:«\s?[^»\n]{1,64}»|\"[^\"\n]{1,64}\"|“[^”\n]{1,64}”|[^\s«»\"“”\[\]()]{1,64})"
# Lower-case French participles and infinitives ("oublié", "changer", "marchant") are words.
_FRENCH_WORD: Final = r"(?-i:[a-zà-ÿ]{1,30}(?:é|ée|és|ées|er|ir|ant)(?![\w'’-]))"
# A value that looks like a secret on its own: contains a digit or a symbol, or mixes cases.
_LOOKS_SECRET: Final = r"(?=[«\"“]|[^\s]{0,63}(?:\d|[!@#$%^&*+=_~\\|<>{}]|(?-i:[a-z][A-Z])))"
# Dates, times, small counts, years and ticket references are never taken for a value.
_NOT_YEAR: Final = r"(?!(?:19|20)\d\d(?![\w/:-]|[.,]\d))"
_NOT_DATE_TIME: Final = (
    r"(?!\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?(?![\w/])|\d{4}-\d{1,2}-\d{1,2}(?!\w)"
    r"|\d{1,2}\s?[h:]\s?(?:\d{2})?(?!\w)"
    r"|\d{1,3}(?![\w/.,:!#$%&*@+=~-])"
    r"|[A-Z]{2,5}-\d{4}-\d{2,6}(?!\w))"
)
_NOT_WORD: Final = rf"(?!{_STOPWORDS}(?=[\s,;!?:)]|\.(?!\w)|$)|\w['’]|[?!.,;:=…→](?![\w@#$%&*+~]))"


def _mid(max_words: int, min_words: int = 0, keywords: str = "") -> str:
    """Between ``min_words`` and ``max_words`` words after a keyword, within one clause.

    Another of the ``keywords`` ends them: the value is looked for after that one ("mdp mdp
    mdp…" costs one try per keyword, not one per keyword and word).
    """
    stop = rf"(?!(?:{keywords})\b)" if keywords else ""
    return rf"(?:\s+(?!{_BREAKERS}\b(?!°)){stop}{_WORD}){{{min_words},{max_words}}}?"


def _contextual(
    keywords: str,
    value: str,
    *,
    strong_guard: str = "",
    verbal_guard: str | None = "",
    bare_guard: str | None = "",
    weak_guard: str | None = None,
    bare_words: int = 2,
    mid_words: int = 5,
    word_guard: str = _FRENCH_WORD,
) -> re.Pattern[str]:
    """A keyword, a few words, a separator, then the value (groups ``val``, ``val2``…).

    After a strong separator (``:``, ``=``) any value but a common word is taken (that passes
    ``strong_guard``). After a
    verb ("est", "c'est") the value must also pass ``verbal_guard`` and not look like a French
    participle (``word_guard``: "expiré"); without separator it must pass ``bare_guard``; after
    a weak separator ("?", ",", "...") it must pass ``weak_guard``. A guard of None disables
    that form.
    """
    near = [rf"{_STRONG_SEP}\(?{_NOT_WORD}{strong_guard}(?P<val>{value})"]
    far = [rf"{_STRONG_SEP}\(?{_NOT_WORD}{strong_guard}(?P<val5>{value})"]
    if verbal_guard is not None:
        verbal = rf"{_VERBAL_SEP}\(?{_NOT_WORD}(?!{word_guard}){verbal_guard}"
        near.append(rf"{verbal}(?P<val2>{value})")
        far.append(rf"{verbal}(?P<val6>{value})")
    if bare_guard is not None:
        near.append(rf"\s+\(?{_NOT_WORD}(?!{word_guard}){bare_guard}(?P<val3>{value})")
    if weak_guard is not None:
        near.append(rf"{_WEAK_SEP}\(?{_NOT_WORD}(?!{word_guard}){weak_guard}(?P<val4>{value})")
    # The words between keyword and value are matched once for every separator (the engine
    # would match them again for each branch): up to ``bare_words`` for every form, then up
    # to ``mid_words`` for the separated forms only.
    body = f"{_mid(bare_words, 0, keywords)}(?:{'|'.join(near)})"
    if mid_words > bare_words:
        body += f"|{_mid(mid_words, bare_words + 1, keywords)}(?:{'|'.join(far)})"
    return re.compile(rf"(?<![\w\[=-])(?:{keywords})\b(?:{body})", re.IGNORECASE)


_PASSWORD_KEYWORDS: Final = (
    r"mots?[\s-]+de[\s-]+passe|motdepasse|mdps?|passwords?|passwd|pwd|pw|pass\s?word|pass"
    r"|passphrase|phrase\s+de\s+passe|code\s+d['’]\s?acc[eè]s|code\s+secret"
    r"|(?:code|cl[eé]f?|mdp)\s+(?:du\s+|de\s+la\s+)?wi-?fi|code\s+de\s+session"
)
_CODE_EXCLUDED: Final = (
    r"(?!\s*(?:d['’]\s?|de\s+l['’]\s?)?erreurs?\b|\s+(?:postal|barre|article|produit|promo|source"
    r"|couleur|ape|naf|rome|civil|p[eé]nal|de\s+la\s+route|du\s+travail|de\s+la\s+sant[eé]"
    r"|cip|ean|de\s+conduite)\b)"
)
_CODE_KEYWORDS: Final = rf"code{_CODE_EXCLUDED}|pin|otp|2fa|digicode|cryptogramme|cvv|cvc"
_CODE_VALUE: Final = r"(?:(?:G-)?\d{4,8}[A-Z#*]?|\d{3}[ ]\d{3})(?![\w/:-]|[.,]\d)"
_CVV_KEYWORDS: Final = (
    r"cvv2?|cvc2?|cryptogrammes?(?:\s+visuel)?|crypto|chiffres\s+au\s+dos"
    r"|code\s+(?:au\s+dos|de\s+s[eé]curit[eé]|cvv|cvc)"
)
_CVV_VALUE: Final = r"\d{3,4}(?![\w/:-]|[.,]\d)"
# A digit, "_", "@", "\\", or a dot or hyphen inside the value (not the full stop after it).
_LOGIN_SHAPE: Final = r"(?=[^\s]{0,40}(?:[\d_@\\]|[.-](?=[^\s.,;:!?)»])))"
# Lower-case participles ("bloqué"): after "mon identifiant c'est", "-er"/"-ir" words are
# logins often enough ("pmercier", "ngautier") to be taken.
_PARTICIPLE: Final = r"(?-i:[a-zà-ÿ]{1,30}(?:é|ée|és|ées)(?![\w'’-]))"
# A passphrase: three to six lower-case words after "mot de passe :", up to the end of the
# clause ("mot de passe: correct cheval batterie agrafe"); function words end it.
_FUNCTION_WORDS: Final = _alternation(
    """
    le la les un une des du de d au aux a en et ou pour par sur dans avec sans chez mon ma mes
    ton ta tes son sa ses notre votre leur ce cet cette ces je j tu il elle on nous vous ils
    elles y ne n pas plus mais donc car que qu qui quand si svp stp merci help aide vite depuis
    encore toujours deja jamais ca cela c est
    """
)
_PHRASE_WORD: Final = r"(?-i:[a-zà-ÿ]{2,24})(?![\w'’-])"
_PASSPHRASE: Final = (
    rf"(?!{_FUNCTION_WORDS}(?![\w'’-])){_PHRASE_WORD}"
    rf"(?:[ ](?!{_FUNCTION_WORDS}(?![\w'’-])){_PHRASE_WORD}){{2,5}}"
    rf"(?=\s*(?:$|[^\w\s])|\s+{_FUNCTION_WORDS}(?![\w'’-]))"
)

_PASSWORD_RE: Final = _contextual(
    _PASSWORD_KEYWORDS,
    _VALUE,
    verbal_guard=_NOT_DATE_TIME,
    bare_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
    weak_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
    bare_words=6,
)
_PASSPHRASE_RE: Final = re.compile(
    rf"(?<![\w\[-])(?:{_PASSWORD_KEYWORDS})\b{_mid(5, 0, _PASSWORD_KEYWORDS)}{_STRONG_SEP}"
    rf"(?P<val>{_PASSPHRASE})",
    re.IGNORECASE,
)
# "j'ai mis Soleil2024! comme mot de passe": the value before its keyword.
_AS_PASSWORD_RE: Final = re.compile(
    rf"(?<![\w-])(?:mis|mets|met|mettre|choisi|choisir|pris|prendre|tap[eé]|taper|utilis[eé]"
    rf"|entr[eé]|saisi)\s+{_NOT_WORD}(?P<val>{_VALUE})\s+comme\s+"
    rf"(?:(?:nouveau|mon|le|ton|son|notre|votre)\s+)?(?:{_PASSWORD_KEYWORDS})\b",
    re.IGNORECASE,
)
# In a message about a password: "l'ancien était Marguerite1", "c'était Jardin2026".
_PASSWORD_HINT_RE: Final = re.compile(rf"(?<![\w-])(?:{_PASSWORD_KEYWORDS})\b", re.IGNORECASE)
_FOLLOWUP_RE: Final = _contextual(
    r"l['’ ]\s?ancien|le\s+nouveau|l['’ ]\s?autre|c['’]\s?[eé]tait|c[eé]tait|c['’]\s?est|cest"
    r"|ou|sinon",
    _VALUE,
    strong_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
    verbal_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
    bare_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
    bare_words=0,
    mid_words=1,
)
# "il m'a demandé mon mdp, je lui ai donné : bienvenue".
_GIVEN_RE: Final = _contextual(
    r"donn[eé]",
    _VALUE,
    verbal_guard=None,
    bare_guard=_LOOKS_SECRET + _NOT_YEAR + _NOT_DATE_TIME,
    bare_words=0,
    mid_words=0,
)
_CODE_RE: Final = _contextual(_CODE_KEYWORDS, _CODE_VALUE, bare_words=5, mid_words=6)
_CVV_RE: Final = _contextual(_CVV_KEYWORDS, _CVV_VALUE, bare_words=4)
# "transférer le sms au 33700": the number that reports spam SMS, and other short numbers.
_SHORT_NUMBER: Final = r"(?!(?:33700|3\d{3})(?!\w))"
_SMS_CODE_RE: Final = _contextual(
    r"sms|texto", _CODE_VALUE, bare_guard=_NOT_YEAR + _SHORT_NUMBER, bare_words=3
)
# "G-482913 est votre code", "jai recu 48291376 par sms": the code before its keyword.
_CODE_BEFORE_RE: Final = re.compile(
    r"(?<![\w/.,:+-])(?:G-)?(?P<val>\d{4,8}|\d{3}[ ]\d{3})"
    r"(?:\s+(?:est|c['’]\s?est|=)\s+(?:votre|ton|le|mon|ce)\s+code"
    r"|\s+(?:par|en)\s+(?:sms|texto))\b",
    re.IGNORECASE,
)
_IDENTIFIER_RE: Final = _contextual(
    r"identifiants?|login|log\s?in|nom\s+d['’]\s?utilisateur",
    _VALUE,
    verbal_guard=_NOT_DATE_TIME,
    bare_guard=_LOGIN_SHAPE + _NOT_YEAR + _NOT_DATE_TIME,
    word_guard=_PARTICIPLE,
)
# "votre compte : Changez…", "session : prévenez-la": a capitalised word or an imperative.
_NOT_PROSE: Final = (
    r"(?!(?-i:[A-ZÀ-Ý][a-zà-ÿ]+)(?![\w@.])|(?-i:[a-zà-ÿ]+ez)(?:-\w{1,4})?(?![\w@.]))"
)
_ACCOUNT_SHAPE: Final = r"(?=[^\s]{0,40}(?:[\d_@\\]|\.(?=[^\s.,;:!?)»])))"
# "le compte accueil32 est bloqué", "je me connecte avec m.robin": words too common for any
# value but one shaped like a login (a digit, a dot, an underscore, an at sign).
_ACCOUNT_RE: Final = _contextual(
    r"compte|session|(?:je\s+me\s+)?connect(?:e|é|er)\s+(?:avec|sous)",
    _VALUE,
    strong_guard=_NOT_PROSE + _NOT_YEAR + _NOT_DATE_TIME,
    verbal_guard=None,
    bare_guard=_ACCOUNT_SHAPE + _NOT_YEAR + _NOT_DATE_TIME,
    bare_words=0,
    mid_words=0,
)
_USER_RE: Final = _contextual(
    r"user(?:name)?|utilisateur|id",
    _VALUE,
    verbal_guard=_NOT_DATE_TIME,
    bare_guard=_LOGIN_SHAPE + _NOT_YEAR + _NOT_DATE_TIME,
    bare_words=0,
    word_guard=_PARTICIPLE,
)
_CPS_RE: Final = _contextual(r"(?:carte\s+)?(?:e-?)?cps", r"\d(?:[ ]?\d){7,19}(?!\d)")
_RPPS_RE: Final = _contextual(r"rpps|adeli", r"\d(?:[ ]?\d){8,10}(?!\d)")
_NIR_CONTEXT_RE: Final = _contextual(
    r"s[eé]cu(?:rit[eé]\s+sociale)?|nir|num[eé]ro\s+ss|carte\s+vitale|insee",
    r"[1-478](?:[ ]?[\dAB]){12,14}(?![\dA-Za-z])",
)

# A message about a one-time code: any isolated 6-digit number in it is taken for the code,
# and so is a 4- to 8-digit number after "c'était", "donné :"…
_OTP_HINT_RE: Final = re.compile(
    r"\b(?:code|sms|texto|otp|2fa|authentification|validation|v[eé]rification)", re.IGNORECASE
)
_SIX_DIGITS_RE: Final = re.compile(
    r"(?:(?<=\bG-)|(?<![\w/.,:+-]))\d{3}[ ]?\d{3}(?![\w/:-]|[.,]\d|[ ]\d)"
)
_SMS_HINT_RE: Final = re.compile(r"\b(?:sms|texto|otp|2fa)\b", re.IGNORECASE)
_CVV_HINT_RE: Final = re.compile(r"\b(?:cvv|cvc|crypto)", re.IGNORECASE)
_CVV_AFTER_RE: Final = re.compile(
    r"(?:[:=]|c['’]\s?[eé]tait|c[eé]tait|c['’]\s?est|cest|donn[eé])\s*"
    r"(?P<val>\d{3,4})(?![\w/:-]|[.,]\d|[ ]\d)",
    re.IGNORECASE,
)
_CODE_AFTER_RE: Final = re.compile(
    r"(?:[:=]|c['’]\s?[eé]tait|c[eé]tait|c['’]\s?est|cest|donn[eé])\s*"
    r"(?P<val>\d{4,8})(?![\w/:-]|[.,]\d|[ ]\d)",
    re.IGNORECASE,
)
# Where a year is a date, not a code: "le code a changé en 2024".
_TIME_WORD_RE: Final = re.compile(
    r"(?:\b(?:en|depuis|avant|apr[eè]s|fin|d[eé]but|jusqu['’]\s?en|ann[eé]e|de|des|dès|janvier"
    r"|f[eé]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[eé]cembre)"
    r"|\d{1,2}/\d{1,2}/?)\s*$",
    re.IGNORECASE,
)
_YEAR_RE: Final = re.compile(r"(?:19|20)\d\d")

_EMAIL_RE: Final = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}+@(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}+\.(?=[A-Za-z0-9])){1,8}+"
    r"[A-Za-z]{2,24}(?![\w-])"
)
_PHONE_RE: Final = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[ .-]?\d{2}){4}(?![\d])"
)
_NIR_RE: Final = re.compile(
    r"(?<![\w])(?P<body>[1-478]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])"
    r"\s?\d{3}\s?\d{3})[\s-]?(?P<key>\d{2})(?![\w])",
    re.IGNORECASE,
)
_IBAN_RE: Final = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,3})?"
    r"(?![A-Za-z0-9])"
)
_CARD_RE: Final = re.compile(r"(?<![\w.,])\d(?:[ -]?\d){12,18}(?![\w])")
# Public numbers shaped like a card or a code: a company's SIRET, a drug's CIP, an order.
_REFERENCE_BEFORE_RE: Final = re.compile(
    r"\b(?:siret|siren|finess|cip(?:13)?|ean|commande|facture|colis|lot|r[eé]f[eé]rence|ref)"
    r"\W{0,3}(?:n°|no|num[eé]ro|num)?\W{0,3}$",
    re.IGNORECASE,
)

_IBAN_LENGTHS: Final = {
    "FR": 27, "MC": 27, "BE": 16, "DE": 22, "ES": 24, "IT": 27, "LU": 20, "CH": 21,
    "GB": 22, "PT": 25, "NL": 18, "AT": 20, "IE": 22,
}  # fmt: skip

_TRAILING: Final = ".,;:?)»\"'’"


# --------------------------------------------------------------------------- checks
# The checksums are python-stdnum's, imported on first use: importing it takes longer than
# compiling every pattern of this module.


def _luhn_valid(digits: str) -> bool:
    from stdnum import luhn

    return bool(luhn.is_valid(digits))


def _card_valid(text: str, match: re.Match[str]) -> bool:
    digits = _compact(match[0])
    first, length = digits[0], len(digits)
    if (length == 13 and first != "4") or (length == 14 and first != "3") or first not in "23456":
        return False  # no network issues such numbers: a drug's CIP13, a SIRET
    if _REFERENCE_BEFORE_RE.search(text, max(0, match.start() - 30), match.start()):
        return False
    return _luhn_valid(digits)


def _iban_valid(compact: str) -> bool:
    """A valid IBAN (python-stdnum: checksum and the country's format), or one of a known
    country's length with a typo in it: still someone's bank account."""
    from stdnum import iban

    if _IBAN_LENGTHS.get(compact[:2].upper()) == len(compact):
        return True
    return 15 <= len(compact) <= 34 and bool(iban.is_valid(compact))


def _nir_key_valid(body: str, key: str) -> bool:
    from stdnum.fr import nir

    return bool(nir.is_valid(body + key))


def _compact(text: str) -> str:
    return "".join(char for char in text if char.isalnum())


# --------------------------------------------------------------------------- span finders

_Span = tuple[int, int, str]
_VALUE_GROUPS: Final = ("val", "val2", "val3", "val4", "val5", "val6")


def _value_spans(
    pattern: re.Pattern[str],
    kind: str,
    text: str,
    reject: Callable[[str, int, int], bool] | None = None,
) -> Iterator[_Span]:
    for match in pattern.finditer(text):
        for group in _VALUE_GROUPS:
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
            if reject is None or not reject(text, start, end):
                yield start, end, kind
            break


def _dated_year(text: str, start: int, end: int) -> bool:
    """A year after "en", "depuis", a month…: a date, not a code."""
    return (
        _YEAR_RE.fullmatch(text, start, end) is not None
        and _TIME_WORD_RE.search(text, max(0, start - 20), start) is not None
    )


def _reference(text: str, start: int, end: int) -> bool:
    """A number right after "commande", "facture", "siret"…: a reference, not a secret."""
    return _REFERENCE_BEFORE_RE.search(text, max(0, start - 30), start) is not None


def _checked_spans(
    pattern: re.Pattern[str], kind: str, text: str, check: Callable[[re.Match[str]], bool]
) -> Iterator[_Span]:
    for match in pattern.finditer(text):
        if check(match):
            yield match.start(), match.end(), kind


def _iban_spans(text: str) -> Iterator[_Span]:
    """IBANs: a candidate, or the same without its last word or two ("FR76 … 189 svp")."""
    for match in _IBAN_RE.finditer(text):
        start, end = match.span()
        for _ in range(3):
            compact = _compact(text[start:end])
            if 15 <= len(compact) <= 34 and _iban_valid(compact):
                yield start, end, "iban"
                break
            end = text.rfind(" ", start, end)
            if end < 0:
                break


def _nir_check(match: re.Match[str]) -> bool:
    body, key = match.group("body"), match.group("key")
    spaced = any(char.isspace() for char in match.group(0))
    return spaced or _nir_key_valid(_compact(body), key)


def _otp_spans(text: str) -> Iterator[_Span]:
    if _OTP_HINT_RE.search(text) is None:
        return
    for match in _SIX_DIGITS_RE.finditer(text):
        yield match.start(), match.end(), "code"


def _code_after_spans(text: str) -> Iterator[_Span]:
    if _SMS_HINT_RE.search(text) is None:
        return
    yield from _value_spans(_CODE_AFTER_RE, "code", text, _dated_year)


def _cvv_after_spans(text: str) -> Iterator[_Span]:
    if _CVV_HINT_RE.search(text) is None:
        return
    yield from _value_spans(_CVV_AFTER_RE, "code", text)


def _followup_spans(text: str) -> Iterator[_Span]:
    if _PASSWORD_HINT_RE.search(text) is None:
        return
    yield from _value_spans(_FOLLOWUP_RE, "password", text)
    yield from _value_spans(_GIVEN_RE, "password", text)


def _finders() -> list[Callable[[str], Iterator[_Span]]]:
    """Span finders in priority order: an earlier finder wins on overlapping spans."""
    return [
        lambda t: _value_spans(_CVV_RE, "code", t),
        lambda t: _value_spans(_CODE_RE, "code", t, _dated_year),
        lambda t: _value_spans(_SMS_CODE_RE, "code", t),
        lambda t: _value_spans(_CODE_BEFORE_RE, "code", t, _reference),
        lambda t: _value_spans(_PASSPHRASE_RE, "password", t),
        lambda t: _value_spans(_PASSWORD_RE, "password", t),
        lambda t: _value_spans(_AS_PASSWORD_RE, "password", t),
        _iban_spans,
        lambda t: _checked_spans(_NIR_RE, "nir", t, _nir_check),
        lambda t: _value_spans(_NIR_CONTEXT_RE, "nir", t),
        lambda t: _checked_spans(_CARD_RE, "card", t, lambda m: _card_valid(t, m)),
        lambda t: _value_spans(_CPS_RE, "cps", t),
        lambda t: _value_spans(_RPPS_RE, "identifier", t),
        lambda t: _checked_spans(_EMAIL_RE, "email", t, lambda m: True),
        lambda t: _checked_spans(_PHONE_RE, "phone", t, lambda m: True),
        lambda t: _value_spans(_IDENTIFIER_RE, "identifier", t),
        lambda t: _value_spans(_USER_RE, "identifier", t),
        lambda t: _value_spans(_ACCOUNT_RE, "identifier", t),
        _followup_spans,
        _otp_spans,
        _code_after_spans,
        _cvv_after_spans,
    ]


_FINDERS: Final = _finders()


def redact(text: str, *, keep: Collection[str] = ()) -> Redaction:
    """Replace secrets and identifiers in ``text`` by French placeholders; the kinds in
    ``keep`` are found (so that nothing inside them is taken for something else) but left as
    they are: a pasted suspicious e-mail keeps its addresses for the technicians."""
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
        position = end
        if kind in keep:
            parts.append(text[start:end])
            continue
        parts.append(PLACEHOLDERS[kind])
        if kind not in found:
            found.append(kind)
    parts.append(text[position:])
    return Redaction("".join(parts), tuple(found))
