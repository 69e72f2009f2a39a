"""The labelled set of ``make eval``'s redaction part: what :func:`vigie.core.redaction.redact`
must remove from care staff's messages, and what it must leave alone.

Writes ``tests/data/redaction/tuning.jsonl`` and ``heldout.jsonl``, one case a line::

    {"id": "password-00042", "kind": "password", "text": "mon mdp c Soleil2024", "secrets": ["Soleil2024"]}

``kind`` is the category of the case (``password``, ``pin``, ``otp``, ``cvv``, ``login``,
``email``, ``phone``, ``iban``, ``nir``, ``card``, ``cps``; ``benign`` for a message that must
stay intact, with no secrets). Every secret occurs once in its text, never inside a
placeholder, so "the secret is gone" can be checked by a substring test.

Messages are written the way care staff type on a phone (lower case, accents and apostrophes
dropped, abbreviations, SMS style, see ``shared/design/users.md``). Every value is synthetic:
phone numbers are taken from the ranges ARCEP reserves for fiction, payment cards from test
card prefixes, IBAN, NIR and card check digits computed with python-stdnum, names and passwords
drawn from short lists and combined at random.

The held-out part is chosen once, by a keyed hash of the case id (:func:`part_of`, 30 %), for
the generated cases and for the hand-written ``tricky.yml`` alike. The generator is
deterministic (fixed seed): run it again and the files are identical.

    .venv/bin/python scripts/make_redaction_set.py [--check]

``--check`` exits with 1 when the committed files differ from what the generator writes.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from stdnum import iban, luhn
from stdnum.fr import nir

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "redaction"
TRICKY = OUT / "tricky.yml"
SEED = 20261207
PER_KIND = 1_200
BENIGN = 3_000
HELDOUT_SHARE = 0.30
_SPLIT_KEY = b"vigie-redaction-heldout-2026"

POSITIVE_KINDS = (
    "password",
    "pin",
    "otp",
    "cvv",
    "login",
    "email",
    "phone",
    "iban",
    "nir",
    "card",
    "cps",
)
KINDS = (*POSITIVE_KINDS, "benign")
PLACEHOLDER_WORDS = (
    "[mot de passe masqué]",
    "[code masqué]",
    "[identifiant masqué]",
    "[adresse e-mail masquée]",
    "[numéro masqué]",
    "[IBAN masqué]",
    "[n° de sécurité sociale masqué]",
    "[carte bancaire masquée]",
    "[n° de carte CPS masqué]",
)

Case = dict[str, Any]


def part_of(case_id: str) -> str:
    """``heldout`` for 30 % of the case ids (a keyed hash, fixed once), else ``tuning``."""
    digest = hmac.new(_SPLIT_KEY, case_id.encode(), hashlib.sha256).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") / 2**64 < HELDOUT_SHARE else "tuning"


# --------------------------------------------------------------------------- typing style


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def styled(rng: random.Random, template: str) -> str:
    """``template`` (its ``{slots}`` untouched) typed the way care staff type on a phone."""
    text = template
    if rng.random() < 0.6:
        text = _strip_accents(text)
    if rng.random() < 0.3:
        text = text.replace("j'ai", "jai").replace("c'est", "cest").replace("l'", "l ")
    if rng.random() < 0.1:
        text = text.replace("'", "’")
    roll = rng.random()
    if roll < 0.08:
        text = text[:1].upper() + text[1:]
    elif roll < 0.12:
        text = _upper_outside_slots(text)
    prefix = rng.choice(PREFIXES) if rng.random() < 0.35 else ""
    suffix = rng.choice(SUFFIXES) if rng.random() < 0.35 else ""
    return prefix + text + suffix


def _upper_outside_slots(text: str) -> str:
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        out.append(char if depth else char.upper())
    return "".join(out)


PREFIXES = (
    "bonjour ",
    "bjr ",
    "urgent ",
    "au secours ",
    "svp ",
    "help ",
    "Bonjour, ",
    "salut ",
    "re ",
    "ma collegue de nuit m'a dit de vous ecrire, ",
    "je suis AS au 2e, ",
    "ide de nuit ici. ",
    "bonsoir ",
    "question: ",
)
SUFFIXES = (
    " merci",
    " svp",
    " stp",
    " ?",
    " !!",
    " help",
    " merci d'avance",
    " cest grave ?",
    " je fais quoi",
    " vite svp",
    " jsp quoi faire",
    ".",
    " 🙏",
)


# --------------------------------------------------------------------------- synthetic values


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "marie nathalie isabelle sylvie catherine christine sandrine valerie celine aurelie julie "
    "camille laura manon sarah emilie lea chloe pauline jean pierre michel philippe nicolas "
    "thomas julien kevin alexandre maxime lucas hugo karim yasmine fatou mamadou ines samia "
    "anthony sebastien"
)
LAST = _words(
    "dupont durand moreau laurent simon michel lefebvre leroy roux david bertrand morel fournier "
    "girard bonnet dupuis lambert fontaine rousseau vincent muller faure andre mercier blanc "
    "guerin boyer garnier chevalier francois legrand gauthier garcia perrin robin clement "
    "morin nicolas henry roussel mathieu gautier masson marchand duval denis dumont marie "
    "lemaire noel meyer dufour meunier brun blanchard giraud joly riviere lucas brunet gaillard"
)
WORDS = _words(
    "soleil marguerite printemps bonheur chocolat doudou loulou chouchou tournesol papillon "
    "liberte etoile camomille lavande hirondelle mimosa pivoine capucine violette coquelicot "
    "noisette cannelle vanille caramel framboise myrtille cerise abricot olivier tilleul "
    "platane bouleau cedre sapin marseille bretagne paris lyon toulouse nantes brest azerty "
    "qwerty bonjour bienvenue ehpad foyer residence tilleuls glycines jardin rivage horizon "
    "oceane mistral zephyr aurore crepuscule minuit ete hiver automne neige orage tempete "
    "poulette minou filou gribouille titou nounours lapin tigre lion panda dauphin baleine"
)
PASSPHRASE_WORDS = _words(
    "cheval agrafe batterie correct pluie verte table bleue nuage rapide tortue pianiste "
    "girafe citron moteur lampe sable fenetre orange montagne violon velo bateau crayon"
)
SYMBOLS = "!#@*$%&?+."
APPS = (
    "windows",
    "du dpi",
    "du logiciel de soins",
    "ameli pro",
    "de la messagerie",
    "mssante",
    "du pc",
    "de l'ordi",
    "de la tablette",
    "de session",
    "du wifi",
    "de la boite mail",
    "du planning",
    "de l'ordi du bureau infirmier",
    "des transmissions",
    "de la paie",
    "du poste de soins",
)
WEBMAIL = ("gmail.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr")
FACILITY = ("les-tilleuls", "la-roseraie", "les-glycines", "val-fleuri", "le-rivage", "bel-air")
FACILITY_TLD = (".fr", ".org", ".com")
FACILITY_KIND = ("ehpad", "foyer", "ssiad", "mas", "fam", "residence")
# Phone numbers that ARCEP reserves for fiction (films, books, examples): never anyone's line.
FICTION_PHONE_PREFIXES = ("0199 00", "0261 91", "0353 01", "0465 71", "0536 49", "0639 98")
# Test card prefixes (payment networks' and processors' published test numbers).
CARD_PREFIXES = ("497010", "411111", "400000", "424242", "555555", "510510", "222300")
IBAN_COUNTRIES = {  # country: BBAN layout (n: digits, a: letters), FR most often
    "FR": "23n",
    "DE": "18n",
    "IT": "1a22n",
    "NL": "4a10n",
    "PT": "21n",
    "AT": "16n",
    "LU": "16n",
    "IE": "4a14n",
    "MC": "23n",
}


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def password(rng: random.Random, *, plain: bool = True) -> str:
    """A password as people choose them; ``plain`` allows a bare lower-case word."""
    word = rng.choice(WORDS)
    shape = rng.random()
    if plain and shape < 0.12:
        return word
    if shape < 0.45:
        year = str(rng.choice((rng.randint(1950, 2027), rng.randint(0, 99), rng.randint(1, 9))))
        value = (word.capitalize() if rng.random() < 0.7 else word) + year
        return value + (rng.choice(SYMBOLS[:6]) if rng.random() < 0.4 else "")
    if shape < 0.55:
        leet = word.replace("a", "@").replace("o", "0").replace("e", "3").replace("i", "1")
        return (leet.capitalize() if rng.random() < 0.5 else leet) + rng.choice("!#*" + "12")
    if shape < 0.65:
        alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%*"
        while True:
            value = "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 14)))
            if any(c.isdigit() for c in value):
                return value
    if shape < 0.72:
        return (
            rng.choice(FACILITY_KIND).capitalize()
            + rng.choice("#@!*")
            + str(rng.randint(2019, 2027))
        )
    if shape < 0.78:
        return _digits(rng, rng.choice((4, 6, 8)))
    if shape < 0.86:
        return rng.choice(FIRST).capitalize() + rng.choice(("", ".", "_")) + str(rng.randint(1, 99))
    return word.capitalize() + rng.choice(WORDS).capitalize() + str(rng.randint(1, 99))


def passphrase(rng: random.Random) -> list[str]:
    return rng.sample(PASSPHRASE_WORDS, rng.randint(3, 4))


def login(rng: random.Random, *, shaped: bool = False) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    shapes: list[Callable[[], str]] = [
        lambda: f"{first}.{last}",
        lambda: f"{first[0]}.{last}",
        lambda: f"{first[0]}{last}{rng.randint(1, 9)}",
        lambda: f"{last}_{first[0]}",
        lambda: (
            f"{rng.choice(('ide', 'as', 'ash', 'accueil', 'nuit', 'compta'))}{rng.randint(1, 40):02d}"
        ),
        lambda: f"{first}.{last}{rng.randint(1, 99)}",
        lambda: f"{rng.choice(('ide', 'as', 'ash'))}_{rng.choice(('nuit', 'jour', '2e', 'rdc'))}",
    ]
    if not shaped:
        shapes += [
            lambda: f"{first[0]}{last}",
            lambda: f"{last}{first[0]}",
            lambda: f"{first}{last}",
            lambda: f"{first[0]}{last}".upper(),
        ]
    return rng.choice(shapes)()


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first[0]}{last}",
            f"{first}{rng.randint(1, 99)}",
            f"{first}.{last}{rng.randint(50, 99)}",
            f"{first}_{last}",
            rng.choice(("accueil", "direction", "compta", "rh", "ide", "secretariat", "cadre")),
        )
    )
    if rng.random() < 0.45:
        domain = rng.choice(WEBMAIL)
    else:
        domain = f"{rng.choice(FACILITY_KIND)}-{rng.choice(FACILITY)}{rng.choice(FACILITY_TLD)}"
    address = f"{local}@{domain}"
    roll = rng.random()
    if roll < 0.1:
        address = address.capitalize()
    elif roll < 0.15:
        address = address.upper()
    return address


def phone(rng: random.Random) -> str:
    prefix = rng.choice(FICTION_PHONE_PREFIXES).replace(" ", "")
    national = prefix + _digits(rng, 10 - len(prefix))
    number = phonenumbers.parse(national, "FR")
    national_fmt = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    roll = rng.random()
    if roll < 0.30:
        return national_fmt  # 06 39 98 12 34
    if roll < 0.50:
        return national
    if roll < 0.60:
        return national_fmt.replace(" ", ".")
    if roll < 0.65:
        return national_fmt.replace(" ", "-")
    if roll < 0.78:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if roll < 0.86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if roll < 0.91:
        return "0033 " + national_fmt[1:].lstrip()
    if roll < 0.95:
        return "+33 (0)" + national_fmt[1:].lstrip()
    return f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}"


def iban_number(rng: random.Random) -> str:
    country = rng.choice(("FR",) * 6 + tuple(IBAN_COUNTRIES))
    layout = IBAN_COUNTRIES[country]
    bban = ""
    count = ""
    for char in layout:
        if char.isdigit():
            count += char
            continue
        pool = "0123456789" if char == "n" else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        bban += "".join(rng.choice(pool) for _ in range(int(count)))
        count = ""
    compact = country + iban.calc_check_digits(country + "00" + bban) + bban
    assert iban.is_valid(compact), compact
    roll = rng.random()
    if roll < 0.6:
        return iban.format(compact)  # FR76 3000 6000 0112 3456 7890 189
    if roll < 0.85:
        return compact
    if roll < 0.95:
        return compact.lower()
    return iban.format(compact).lower()


def nir_number(rng: random.Random) -> str:
    sex = rng.choice("12")
    year = f"{rng.randint(0, 99):02d}"
    month = f"{rng.randint(1, 12):02d}"
    dept = rng.choice([f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"])
    commune = f"{rng.randint(1, 990):03d}"
    order = f"{rng.randint(1, 999):03d}"
    body = sex + year + month + dept + commune + order
    key = nir.calc_check_digits(body)
    assert nir.is_valid(body + key)
    roll = rng.random()
    if roll < 0.45:
        return f"{sex} {year} {month} {dept} {commune} {order} {key}"
    if roll < 0.80:
        return body + key
    if roll < 0.92:
        return f"{body} {key}"
    return f"{sex}{year}{month}{dept}{commune}{order}-{key}"


def card_number(rng: random.Random) -> str:
    if rng.random() < 0.1:
        body = rng.choice(("3782", "3714")) + _digits(rng, 10)  # 15 digits
        compact = body + luhn.calc_check_digit(body)
        return f"{compact[:4]} {compact[4:10]} {compact[10:]}" if rng.random() < 0.6 else compact
    body = rng.choice(CARD_PREFIXES) + _digits(rng, 9)
    compact = body + luhn.calc_check_digit(body)
    assert luhn.is_valid(compact)
    roll = rng.random()
    if roll < 0.55:
        return " ".join(compact[i : i + 4] for i in range(0, 16, 4))
    if roll < 0.85:
        return compact
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


def pin(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return _digits(rng, 4)
    if roll < 0.7:
        return rng.choice(("0000", "1234", "1111", "2580", "1470", "4321"))
    if roll < 0.8:
        return str(rng.randint(1950, 2026))  # a year as a PIN or a door code
    if roll < 0.9:
        return _digits(rng, 6)
    return _digits(rng, rng.choice((4, 5))) + rng.choice("AB#*")


def otp(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.75:
        return _digits(rng, 6)
    if roll < 0.85:
        return f"{_digits(rng, 3)} {_digits(rng, 3)}"
    if roll < 0.93:
        return _digits(rng, 8)
    return _digits(rng, rng.choice((4, 5)))


def cps_number(rng: random.Random) -> str:
    value = rng.choice("0128") + _digits(rng, 9)
    return value if rng.random() < 0.8 else f"{value[:1]} {value[1:3]} {value[3:]}"


# --------------------------------------------------------------------------- templates

PWD_CUES = (
    "mdp", "mdp", "mdp", "MDP", "mot de passe", "mot de passe", "pass", "PW", "pw", "pwd",
    "password", "passwd", "mdp windows", "mot de passe de session", "code wifi", "cle wifi",
    "mdp wifi", "code d'accès", "code secret",
)  # fmt: skip
POSSESSIVE = ("mon ", "le ", "son ", "notre ", "")

PWD_STRONG = (
    "{poss}{cue} : {pw}",
    "{poss}{cue}: {pw}",
    "{cue}={pw}",
    "{cue} = {pw}",
    "{cue} -> {pw}",
    "{poss}{cue} {app} : {pw}",
    "voila {poss}{cue}: {pw}",
    "{poss}{cue} {app}: {pw} et ca marche pas",
    "il m'a demandé {poss}{cue}, je lui ai donné: {pw}",
    "nouveau {cue} : {pw}",
    "{cue} provisoire : {pw}",
    "le technicien a change le {cue} {app} : {pw}",
)
PWD_VERBAL = (
    "{poss}{cue} c'est {pw}",
    "{poss}{cue} c {pw}",
    "{poss}{cue} cest {pw}",
    "{poss}{cue} est {pw}",
    "{poss}{cue} {app} c'est {pw}",
    "{poss}{cue} {app} c {pw}",
    "le {cue} {app} c'était {pw}",
    "{poss}{cue} etait {pw}",
    "{poss}{cue} c'est toujours {pw}",
)
PWD_BARE = (  # the value must look like a secret: digits, symbols or mixed case
    "{cue} {pw}",
    "{cue} {app} {pw}",
    "{poss}{cue} ? {pw}",
    "{poss}{cue}?? {pw}",
    "{poss}{cue}, {pw}",
    "{poss}{cue} {pw} ne marche plus",
    "{poss}{cue} {app} {pw} ca passe pas",
    "j'ai mis {pw} comme mot de passe",
    "j'ai mis {pw} comme {cue}",
    "jai choisi {pw} comme mdp",
    "j'ai tapé {pw} comme mot de passe et ca marche pas",
    "j'ai changé mon mdp ce matin, l'ancien était {pw}",
    "mot de passe change hier, l'ancien c'etait {pw}",
    "j'ai donné mon mdp au faux technicien, c'était {pw}",
    "{poss}{cue} ... {pw}",
)
PWD_TWO = (
    "nouveau mdp: {pw} l'ancien était {pw2}",
    "mdp change, l ancien c {pw} et le nouveau {pw2}",
    "mon mdp c {pw} ou {pw2} je sais plus",
)
PWD_PHRASE = (
    "mot de passe: {phrase}",
    "mon mdp : {phrase}",
    "phrase de passe = {phrase}",
    'mdp "{phrase}"',
    "mon mot de passe c'est « {phrase} »",
)

PIN_TEMPLATES = (
    "code pin {v}",
    "code pin: {v}",
    "pin {v}",
    "PIN: {v}",
    "mon code pin c {v}",
    "mon code pin cest {v}",
    "le code pin de ma carte cps c'est {v}",
    "PIN de la carte CPS {v}",
    "pin carte cps : {v}",
    "le code de ma carte bleue c {v}",
    "code cb {v}",
    "code carte {v}",
    "digicode {v}",
    "le digicode de l'entree c'est {v}",
    "code porte {v}",
    "le code de la porte c'est {v}",
    "le code {v} de la porte du 1er",
    "code de la porte du 2e : {v}",
    "code alarme {v}",
    "le code de l'alarme est {v}",
    "code du coffre {v}",
    "code du cadenas des casiers {v}",
    "code du telephone {v}",
    "code de deverrouillage de la tablette {v}",
    "le code pour deverrouiller le portable du service c {v}",
    "chambre 214, code porte {v}",
    "j'ai donné mon code pin {v} au monsieur",
    "code pin sim {v}",
)
OTP_TEMPLATES = (
    "code sms {v}",
    "le code recu par sms c {v}",
    "le code reçu par sms est {v}",
    "j'ai donné le code {v} au monsieur du tel",
    "{v} est votre code de verification",
    "votre code ameli : {v}",
    "code de validation {v}",
    "code de vérification : {v}",
    "jai recu {v} par sms",
    "j'ai recu un sms avec {v} dedans",
    "code 2fa {v}",
    "otp: {v}",
    "code authenticator {v}",
    "le texto disait {v}",
    "code a usage unique {v}",
    "ils m'ont demandé le code du sms, c'était {v}",
    "code de confirmation {v} pour le virement",
    "mon code de connexion pro sante connect c {v}",
    "on m'a demande le code recu par sms, je l'ai donne : {v}",
    "sms de la banque avec le code {v} je l'ai tapé",
)
CVV_TEMPLATES = (
    "cvv {v}",
    "cvv: {v}",
    "cryptogramme {v}",
    "cryptogramme visuel : {v}",
    "crypto {v}",
    "cvc {v}",
    "le cryptogramme c'est {v}",
    "les 3 chiffres au dos : {v}",
    "code au dos de la carte {v}",
    "exp 12/27 cvv {v}",
    "il m'a demandé le cryptogramme, j'ai donné {v}",
    "le cvv de la cb du service c {v}",
    "carte du service, date 03/28, crypto {v}",
)
LOGIN_STRONG = (
    "identifiant: {v}",
    "identifiant : {v}",
    "id: {v}",
    "ID : {v}",
    "login: {v}",
    "user: {v}",
    "utilisateur : {v}",
    "nom d'utilisateur = {v}",
    "mon identifiant windows : {v}",
    "login {app}: {v}",
    "session : {v}",
)
LOGIN_VERBAL = (
    "mon identifiant c'est {v}",
    "mon identifiant c {v}",
    "mon id c {v}",
    "mon login est {v}",
    "mon login {app} c'est {v}",
    "l'identifiant de la collègue c'est {v}",
    "mon nom d'utilisateur c'est {v}",
)
LOGIN_BARE = (  # the login must look like one: a digit, a dot, an underscore
    "login {v} ne marche plus",
    "identifiant {v}",
    "mon identifiant {v} est bloque",
    "le compte {v} est bloqué",
    "je me connecte avec {v} et ca marche pas",
    "session {v} bloquee",
)
EMAIL_TEMPLATES = (
    "écrivez à {v} svp",
    "mon mail c {v}",
    "mon adresse mail: {v}",
    "j'ai recu un mail de {v} bizarre",
    "le mail vient de {v}",
    "vous pouvez me repondre sur {v}",
    "{v}",
    "mail perso {v}",
    "l'expediteur c'est {v} c'est normal ?",
    "({v})",
    "transferez a {v} merci",
    "mon adresse : {v}.",
    "la direction ({v}) a recu le meme",
)
PHONE_TEMPLATES = (
    "appelle moi au {v}",
    "mon portable {v} svp",
    "le {v} a appele",
    "tel: {v}",
    "rappeler le {v}.",
    "on m'a appele du {v} pour mon compte ameli",
    "mon 06 c'est {v}",
    "joignable au {v} jusqu'a 19h",
    "numero: {v}",
    "sms recu du {v} avec un lien",
    "{v}",
    "le faux technicien appelait du {v}",
    "ma collegue ({v}) a le meme pb",
)
IBAN_TEMPLATES = (
    "IBAN {v} merci",
    "nouveau rib {v}",
    "virement sur {v} demandé par la direction",
    "le fournisseur demande de changer son iban pour {v}",
    "iban: {v}",
    "mon rib c {v}",
    "{v}",
    "rib du fournisseur : {v} c'est normal ?",
    "ils veulent qu'on paie sur {v} des aujourd'hui",
)
NIR_TEMPLATES = (
    "mon numero de secu {v}",
    "n° de sécu {v}",
    "carte vitale : {v}",
    "résidente {v} entrée hier",
    "mon n° de secu est {v}, c'est grave ?",
    "{v}",
    "le nir du resident c {v}",
    "num secu {v} envoye par mail par erreur",
    "il m'a demandé mon numero de securite sociale, j'ai donne {v}",
    "secu: {v}",
)
CARD_TEMPLATES = (
    "ma carte {v} a été débitée",
    "{v} exp 12/27",
    "cb {v}",
    "carte bleue du service : {v}",
    "j'ai donné le numero de carte {v}",
    "numero de cb {v} sur le faux site",
    "{v}",
    "paiement avec la carte {v} refuse",
)
CPS_TEMPLATES = (
    "ma carte cps numéro {v}",
    "n° e-CPS : {v}",
    "carte cps {v}",
    "le numero de ma carte cps c'est {v}",
    "cps n° {v} bloquee",
    "numero cps: {v}",
)


def _fill(rng: random.Random, template: str, **values: str) -> str:
    text = styled(rng, template)
    return text.format(
        cue=rng.choice(PWD_CUES),
        poss=rng.choice(POSSESSIVE),
        app=rng.choice(APPS),
        **values,
    )


def _looks_secret(value: str) -> bool:
    return any(c.isdigit() or c in SYMBOLS for c in value) or value != value.lower()


def password_case(rng: random.Random) -> tuple[str, list[str]]:
    roll = rng.random()
    if roll < 0.06:
        words = passphrase(rng)
        phrase = " ".join(words)
        return _fill(rng, rng.choice(PWD_PHRASE), phrase=phrase), words
    if roll < 0.12:
        first, second = password(rng, plain=False), password(rng, plain=False)
        if first == second or first in second or second in first:
            second += "9"
        return _fill(rng, rng.choice(PWD_TWO), pw=first, pw2=second), [first, second]
    if roll < 0.45:
        value = password(rng)
        return _fill(rng, rng.choice(PWD_STRONG), pw=value), [value]
    if roll < 0.70:
        value = password(rng)
        return _fill(rng, rng.choice(PWD_VERBAL), pw=value), [value]
    value = password(rng, plain=False)
    while not _looks_secret(value):
        value = password(rng, plain=False)
    return _fill(rng, rng.choice(PWD_BARE), pw=value), [value]


def _simple(
    templates: tuple[str, ...], make: Callable[[random.Random], str]
) -> Callable[[random.Random], tuple[str, list[str]]]:
    def build(rng: random.Random) -> tuple[str, list[str]]:
        value = make(rng)
        return _fill(rng, rng.choice(templates), v=value), [value]

    return build


def otp_case(rng: random.Random) -> tuple[str, list[str]]:
    value = otp(rng)
    if rng.random() < 0.08:
        return _fill(rng, "G-{v} est votre code de validation google", v=value), [value]
    return _fill(rng, rng.choice(OTP_TEMPLATES), v=value), [value]


def cvv_case(rng: random.Random) -> tuple[str, list[str]]:
    value = _digits(rng, 3) if rng.random() < 0.9 else _digits(rng, 4)
    return _fill(rng, rng.choice(CVV_TEMPLATES), v=value), [value]


def login_case(rng: random.Random) -> tuple[str, list[str]]:
    roll = rng.random()
    if roll < 0.45:
        value = login(rng)
        return _fill(rng, rng.choice(LOGIN_STRONG), v=value), [value]
    if roll < 0.75:
        value = login(rng)
        return _fill(rng, rng.choice(LOGIN_VERBAL), v=value), [value]
    if roll < 0.88:
        value = login(rng, shaped=True)
        return _fill(rng, rng.choice(LOGIN_BARE), v=value), [value]
    value, secret = login(rng), password(rng, plain=False)
    template = rng.choice(("login: {v} mdp: {pw}", "identifiant {v} mot de passe {pw}",
                           "id: {v} / mdp: {pw}", "user {v} pass {pw}"))  # fmt: skip
    if not _looks_secret(secret) or "." not in value:
        template = template.replace(
            "identifiant {v} mot de passe {pw}", "identifiant: {v} mdp: {pw}"
        )
        template = template.replace("user {v} pass {pw}", "user: {v} pass: {pw}")
    return _fill(rng, template, v=value, pw=secret), [value, secret]


BUILDERS: dict[str, Callable[[random.Random], tuple[str, list[str]]]] = {
    "password": password_case,
    "pin": _simple(PIN_TEMPLATES, pin),
    "otp": otp_case,
    "cvv": cvv_case,
    "login": login_case,
    "email": _simple(EMAIL_TEMPLATES, email),
    "phone": _simple(PHONE_TEMPLATES, phone),
    "iban": _simple(IBAN_TEMPLATES, iban_number),
    "nir": _simple(NIR_TEMPLATES, nir_number),
    "card": _simple(CARD_TEMPLATES, card_number),
    "cps": _simple(CPS_TEMPLATES, cps_number),
}


# --------------------------------------------------------------------------- benign messages


def _time(rng: random.Random) -> str:
    hour, minute = rng.randint(6, 22), rng.choice((0, 0, 15, 30, 45, 10, 20))
    return rng.choice((f"{hour}h{minute:02d}", f"{hour}h" if not minute else f"{hour}h{minute}",
                       f"{hour}:{minute:02d}", f"{hour} h {minute:02d}"))  # fmt: skip


def _date(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2024, 2027)
    return rng.choice((f"{day:02d}/{month:02d}/{year}", f"{day}/{month}", f"{day:02d}/{month:02d}",
                       f"{day:02d}.{month:02d}.{year}", f"{year}-{month:02d}-{day:02d}",
                       f"{day}/{month}/{year % 100:02d}"))  # fmt: skip


def _dose(rng: random.Random) -> str:
    return rng.choice((f"{rng.randint(1, 9)},{rng.choice('0255')} mg", f"{rng.choice((250, 500, 1000))} mg",
                       f"{rng.randint(1, 4)} cp", f"{rng.randint(2, 40)} UI", f"{rng.randint(1, 20)} gouttes",
                       f"{rng.randint(1, 3)},5 ml"))  # fmt: skip


def _price(rng: random.Random) -> str:
    euros = rng.choice((rng.randint(5, 99), rng.randint(100, 999), rng.randint(1000, 25000)))
    cents = rng.randint(0, 99)
    big = (
        f"{euros // 1000} {euros % 1000:03d}"
        if euros >= 1000 and rng.random() < 0.5
        else str(euros)
    )
    return rng.choice(
        (f"{big},{cents:02d} €", f"{big} €", f"{big} euros", f"{big}€", f"{euros}.{cents:02d}€")
    )


def _finess(rng: random.Random) -> str:
    body = f"{rng.randint(1, 95):02d}" + _digits(rng, 6)
    return body + luhn.calc_check_digit(body)


def _siret(rng: random.Random) -> str:
    while True:
        body = _digits(rng, 13)
        compact = body + luhn.calc_check_digit(body)
        if compact[0] != "0":
            break
    return (
        compact
        if rng.random() < 0.5
        else f"{compact[:3]} {compact[3:6]} {compact[6:9]} {compact[9:]}"
    )


def _ticket(rng: random.Random) -> str:
    return f"VIG-{rng.randint(2025, 2027)}-{rng.randint(1, 9999):05d}"


BENIGN_SLOTS: dict[str, Callable[[random.Random], str]] = {
    "time": _time,
    "date": _date,
    "room": lambda r: str(r.choice((r.randint(1, 40), r.randint(100, 350)))),
    "bed": lambda r: str(r.randint(1, 4)),
    "dose": _dose,
    "year": lambda r: str(r.randint(1925, 2027)),
    "recent": lambda r: str(r.randint(2015, 2027)),
    "ext": lambda r: str(r.choice((r.randint(100, 999), r.randint(1000, 9999)))),
    "ticket": _ticket,
    "n": lambda r: str(r.randint(2, 30)),
    "big": lambda r: str(r.randint(31, 400)),
    "price": _price,
    "finess": _finess,
    "siret": _siret,
    "age": lambda r: str(r.randint(62, 104)),
    "temp": lambda r: f"{r.randint(36, 39)},{r.randint(0, 9)}",
    "ta": lambda r: f"{r.randint(9, 17)}/{r.randint(5, 9)}",
    "spo2": lambda r: str(r.randint(85, 99)),
    "weight": lambda r: f"{r.randint(38, 110)},{r.randint(0, 9)} kg",
    "gly": lambda r: f"{r.randint(0, 3)},{r.randint(10, 99)} g/l",
    "pct": lambda r: str(r.randint(1, 100)),
    "version": lambda r: r.choice(
        (
            "10",
            "11",
            "22H2",
            "23H2",
            "24H2",
            f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 9)}",
        )
    ),
    "postal": lambda r: f"{r.randint(1, 95):02d}{r.randint(0, 999):03d}",
    "invoice": lambda r: r.choice(
        (
            f"FAC-{r.randint(2024, 2026)}-{r.randint(1, 9999):04d}",
            f"{r.randint(2024, 2026)}-{r.randint(1, 9999):04d}",
            f"F{r.randint(10000, 99999)}",
        )
    ),
    "order": lambda r: str(r.randint(10000, 9999999)),
    "minutes": lambda r: str(r.choice((5, 10, 15, 20, 30, 45, 90))),
    "ip": lambda r: f"192.168.{r.randint(0, 10)}.{r.randint(2, 254)}",
    "error": lambda r: r.choice(
        ("0x80070005", "0x800f081f", "404", "500", "E-1042", "0xc000021a", "43")
    ),
    "floor": lambda r: r.choice(("1er", "2e", "3e", "rdc", "2eme")),
    "short": lambda r: r.choice(("15", "112", "17", "18", "3237", "3919", "114", "115")),
    "lot": lambda r: f"{r.choice('ABCDEFGH')}{r.randint(1000, 99999)}",
    "cip": lambda r: "34009" + str(r.randint(30000000, 39999999)),
    "chars": lambda r: str(r.choice((8, 10, 12, 14, 16))),
    "days": lambda r: str(r.choice((30, 60, 90, 180))),
    "count": lambda r: str(r.randint(3, 5)),
}

BENIGN_TEMPLATES = (
    # cue words with no value: the NLU must still see them
    "j'ai donné mon mdp au faux technicien",
    "jai donne mon mdp a un gars au tel qui disait etre du service info",
    "mon mdp est expiré depuis ce matin",
    "mon mdp ne marche plus depuis {time}",
    "mdp oublié",
    "mdp bloque depuis le {date}",
    "le mdp expire tous les {days} jours c'est normal",
    "le mdp doit faire {chars} caracteres minimum",
    "mon mot de passe a {chars} caractères",
    "le mot de passe est trop court",
    "j'ai tapé mon code pin {count} fois faux",
    "le code pin de la carte cps est bloqué",
    "code pin bloque depuis {time}",
    "le code de la porte a changé en {recent}",
    "le code de la porte a change depuis le {date}",
    "nouveau code de la porte depuis {recent} ?",
    "le code de la porte du {floor} marche plus",
    "j'ai reçu un code par sms mais je l'ai pas demandé",
    "sms recu a {time} avec un lien bizarre",
    "le sms de {time} disait que mon colis etait bloque",
    "mon identifiant est bloqué depuis {time}",
    "identifiant et mdp oubliés",
    "le technicien ma demandé mon identifiant et mon mot de passe",
    "le login windows ne marche pas depuis la mise a jour {version}",
    "pouvez vous reinitialiser le mdp de la tablette des transmissions",
    "le mdp de l'ordi du bureau infirmier est sur le planning",
    "le mdp c'est le même que celui de la messagerie",
    "on a la 2FA sur ameli pro depuis {recent}",
    "la carte cps est bloquée depuis le {date}",
    "le lecteur de carte cps du {floor} marche plus",
    "code erreur {error} sur l'ordi",
    "le code d'erreur est {error}",
    "le code postal c'est {postal}",
    "code postal {postal} pour la livraison",
    "l'ide ma demande le code wifi svp",
    "c quoi un bon mdp",
    "comment changer mon mot de passe windows",
    # care and daily life
    "chambre {room}, mme martin a chuté a {time}",
    "la résidente de la chambre {room} a {temp} de fievre",
    "chambre {room} lit {bed} ta {ta} spo2 {spo2}%",
    "donner {dose} de doliprane a {time} chambre {room}",
    "doliprane {dose} a {time}",
    "glycemie {gly} a {time} chambre {room}",
    "poids {weight} le {date}",
    "mr dupuis {age} ans chambre {room} ne mange plus",
    "né le {date} en {year}",
    "le patient de la chambre {room} né en {year}",
    "rdv à {time} le {date}",
    "rdv kine a {time} pour la chambre {room}",
    "{n} résidents ont reçu un mail bizarre",
    "on a {n} ordis et 1 tablette au {floor} chambre {room}",
    "appelez le {short} en cas d'urgence",
    "en cas d'urgence le {short} ou le poste {ext}",
    "appelez moi au poste {ext}",
    "poste {ext} pour la cadre",
    "dect {ext} ne sonne plus",
    "le bip {ext} est en panne",
    "ticket {ticket}",
    "suite au ticket {ticket} toujours rien",
    "le code du ticket est {ticket}",
    "mon ticket {ticket} est resolu ?",
    "facture {invoice} du fournisseur",
    "la facture {invoice} de {price} est arrivée par mail",
    "virement de {price} demandé par mail par la direction, c'est normal ?",
    "le fournisseur demande de changer le rib pour la facture {invoice}",
    "le fournisseur (siret {siret}) a change de banque",
    "siret {siret}",
    "notre n° finess c'est {finess}",
    "finess {finess} sur le courrier de l'ars",
    "commande n° {order} en attente",
    "commande {order} livrée le {date}",
    "colis {order} bloque en douane, ils demandent {price}",
    "le lot {lot} de masques est arrive",
    "code cip {cip} en rupture",
    "mise a jour windows {version} du {date} a planté",
    "version {version} installée le {date}",
    "l'imprimante {ip} ne repond plus",
    "le pc du {floor} redemarre en boucle depuis {time}",
    "il est {time} et le pc redemarre en boucle depuis {recent}",
    "depuis {recent} on a le meme pc",
    "le wifi des residents coupe toutes les {minutes} minutes",
    "reunion a {time} salle {room}",
    "planning du {date} : {n} AS et {n} ASH",
    "{n} lits occupés sur {big}",
    "il reste {n} boites de gants",
    "ça fait {minutes} min que j'attends",
    "l'ordi met {minutes} min a demarrer",
    "batterie a {pct}% sur la tablette",
    "j'ai cliqué sur le lien dans le mail de ameli a {time}",
    "l'email de la direction a été piraté",
    "mail bizarre de la banque a {time}, je clique ?",
    "on a recu {n} mails de phishing ce matin",
    "la famille de la chambre {room} demande le wifi",
    "le residents du {floor} n'ont plus la tele depuis {time}",
    "animation a {time} au {floor}, {n} residents",
    "livraison repas {time} ({n} plateaux)",
    "mme x {age} ans chute chambre {room} a {time} pas de blessure",
    "temperature {temp} a {time}",
    "ta {ta} a {time} chambre {room}",
    "pansement chambre {room} lit {bed} a refaire a {time}",
    "la pharmacie livre le {date} a {time}",
    "{price} pour la reparation de l'imprimante c'est cher",
    "devis de {price} pour {n} pc",
    "l'alarme incendie a sonne a {time} au {floor}",
    "depuis le {date} on a plus internet",
    "panne de {time} a {time}",
    "code couleur rouge pour les dasri",
    "le code de conduite informatique de {recent} est ou ?",
    "la charte informatique {recent} est a signer avant le {date}",
    "sms de la banque pour valider un paiement de {price} que j'ai pas fait",
    "il demande le code de la carte mais j'ai rien donné",
    "on m'a demande mon code pin au tel, j'ai raccroché",
    "le faux technicien a appele a {time} et demandait le mdp",
    "j'ai pas donne mon mot de passe",
    "le mdp, je l'ai donné au technicien",
    "mdp = nom du chat + année de naissance",
    "le mot de passe de la session est celui du planning",
    "la mise a jour {version} demande un redemarrage",
    "on est {n} de nuit pour {big} residents",
    "aide stp le pc du {floor} est tout bleu avec le code {error}",
    "l'ordi affiche erreur {error} depuis {time}",
    "ticket {ticket} : l'imprimante du {floor} toujours en panne",
    "le code de la porte, c'est la cadre qui l'a",
    "le digicode marche plus depuis {time}",
    "l'identifiant du resident dans le dpi c'est son nom ?",
    "j'ai {age} ans de carriere, jamais vu ca",
    "chambre {room} et chambre {room} pas de wifi",
    "1ere fois que ca arrive depuis {recent}",
    "on a payé {price} le {date}",
    "entre {time} et {time} le dpi etait lent",
    "la page ameli demandait ma carte vitale, j'ai fermé",
    "il m'a demandé mon numero de secu mais j'ai rien dit",
    "le resident de la {room} a {age} ans et {n} petits enfants",
    "code de la route pour le minibus : permis b",
    "ma carte bleue a été refusée {count} fois",
    "le cryptogramme est effacé sur la carte du service",
    "on a change de banque en {recent}",
    "l'iban du fournisseur a changé, je fais quoi",
    "le rib est dans la piece jointe de {time}",
    "ils demandent un rib par mail, c'est normal ?",
    # the same cue words in ordinary sentences (the second batch)
    "mon mdp c'est quoi deja ?",
    "mdp ou code pin je sais plus lequel",
    "il m'a demandé mon mdp, je lui ai rien donné",
    "je lui ai donné mon mdp, c'est grave ?",
    "mdp oublié, c'est la {count}e fois cette semaine",
    "mdp changé le {date}, c'est normal ?",
    "le mdp doit faire {chars} caracteres, c'est {chars} minimum",
    "identifiant ou mdp incorrect depuis {time}",
    "{n} fois le mauvais mdp et le compte est bloqué",
    "mdp: je l'ai changé le {date}",
    "mdp : oublié depuis hier soir",
    "mot de passe: ?",
    "identifiant: mon nom de famille",
    "mon login c'est mon nom",
    "id ameli pro : le même que la cps",
    "j'ai mis la date de naissance comme mot de passe",
    "j'ai mis mon prénom comme mdp c'est grave ?",
    "le pass du parking ne marche plus depuis {time}",
    "session windows bloquée depuis {time}",
    "la session de formation du {date} a {time}",
    "session de {minutes} min sur la cyber le {date}",
    "compte rendu de la reunion du {date}",
    "le compte ameli de la résidente de la chambre {room}",
    "user bloqué {count} fois",
    "mon id c'est le meme que d'habitude",
    "l'ancien était mieux que le nouveau logiciel",
    "l'ancien pc du {floor} est lent, le nouveau arrive le {date}",
    "code sms reçu a {time}, je l'ai pas donné",
    "sms du {date} : colis en attente, frais de {price}",
    "j'ai reçu {n} sms bizarres depuis {time}",
    "cvv demandé sur un site bizarre, j'ai rien mis",
    "cryptogramme demandé au tel, j'ai raccroché a {time}",
    "le livreur demande le code de la porte a {time}",
    "code alarme en panne depuis le {date}",
    "pin bloqué apres {count} essais",
    "le code wifi est sur l'affiche a l'accueil",
    "le mot de passe wifi est affiché en salle {room}",
    "le numéro de chambre c'est {room}",
    "la secu a remboursé {price}",
    "carte vitale de mme x oubliée a l'accueil",
    "mon identifiant c'est mon adresse mail du travail",
    "le code de la porte de la pharmacie a changé depuis {recent}",
    "code de la porte : demander a la cadre",
    "mdp ou identifiant, je sais plus lequel est faux",
    "j'ai donné le mdp a la cadre, c'est elle qui l'a changé",
    "le mdp c'est celui de {recent} ou le nouveau ?",
    "sms recu, code expiré au bout de {minutes} min",
    "code de validation jamais reçu depuis {time}",
    "on m'a demandé de valider la commande {order} par sms",
    "la carte bleue du service expire le {date}",
    "nouveau mot de passe obligatoire tous les {days} jours depuis {recent}",
)


def benign_case(rng: random.Random) -> str:
    template = styled(rng, rng.choice(BENIGN_TEMPLATES))
    while "{" in template:
        start = template.index("{")
        end = template.index("}", start)
        slot = template[start + 1 : end]
        template = template[:start] + BENIGN_SLOTS[slot](rng) + template[end + 1 :]
    return template


# --------------------------------------------------------------------------- the set


def _valid(text: str, secrets: list[str]) -> bool:
    return all(
        secret
        and text.count(secret) == 1
        and not any(secret in placeholder for placeholder in PLACEHOLDER_WORDS)
        for secret in secrets
    )


def generate(seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    for kind in POSITIVE_KINDS:
        build = BUILDERS[kind]
        for index in range(1, PER_KIND + 1):
            text, secrets = build(rng)
            while not _valid(text, secrets):
                text, secrets = build(rng)
            cases.append(
                {"id": f"{kind}-{index:05d}", "kind": kind, "text": text, "secrets": secrets}
            )
    seen: set[str] = set()
    index = 0
    while index < BENIGN:
        text = benign_case(rng)
        if text in seen:
            continue
        seen.add(text)
        index += 1
        cases.append({"id": f"benign-{index:05d}", "kind": "benign", "text": text, "secrets": []})
    return cases


def tricky_cases(path: Path = TRICKY) -> list[Case]:
    """The hand-written cases of ``tricky.yml``, ids ``tricky-<kind>-<n>``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for kind, items in data.items():
        if kind not in KINDS:
            raise ValueError(f"{path}: unknown kind {kind!r}")
        for number, item in enumerate(items, start=1):
            if isinstance(item, str):
                text, secrets = item, []
            else:
                text, secrets = item["text"], list(item["secrets"])
            if kind == "benign" and secrets:
                raise ValueError(f"{path}: a benign case has secrets: {text!r}")
            if kind != "benign" and not secrets:
                raise ValueError(f"{path}: a {kind} case has no secret: {text!r}")
            if not _valid(text, secrets):
                raise ValueError(f"{path}: each secret must occur once: {text!r}")
            cases.append(
                {
                    "id": f"tricky-{kind}-{number:03d}",
                    "kind": kind,
                    "text": text,
                    "secrets": secrets,
                }
            )
    return cases


def _lines(cases: list[Case]) -> str:
    return "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)


def files(seed: int = SEED) -> dict[Path, str]:
    cases = generate(seed)
    return {
        OUT / f"{part}.jsonl": _lines([c for c in cases if part_of(c["id"]) == part])
        for part in ("tuning", "heldout")
    }


def load(part: str, root: Path = OUT) -> list[Case]:
    """The cases of ``part`` (``tuning`` or ``heldout``): generated, then hand-written."""
    if part not in ("tuning", "heldout"):
        raise ValueError(part)
    generated = [
        json.loads(line)
        for line in (root / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    tricky = [c for c in tricky_cases(root / "tricky.yml") if part_of(c["id"]) == part]
    return generated + tricky


def iter_all(root: Path = OUT) -> Iterator[Case]:
    for part in ("tuning", "heldout"):
        yield from load(part, root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    args = parser.parse_args(argv)
    wanted = files()
    if args.check:
        stale = [
            p
            for p, text in wanted.items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text
        ]
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from the generator's output", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {text.count(chr(10))} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
