"""Redaction of secrets and identifiers in French user messages."""

from __future__ import annotations

import dataclasses
import time

import pytest

from scripts import eval_redaction
from scripts import make_redaction_set as redaction_set
from vigie.core.redaction import PLACEHOLDERS, Redaction, redact

PWD = PLACEHOLDERS["password"]
CODE = PLACEHOLDERS["code"]
LOGIN = PLACEHOLDERS["identifier"]
MAIL = PLACEHOLDERS["email"]
TEL = PLACEHOLDERS["phone"]
IBAN = PLACEHOLDERS["iban"]
NIR = PLACEHOLDERS["nir"]
CARD = PLACEHOLDERS["card"]
CPS = PLACEHOLDERS["cps"]

REDACTED = [
    # Passwords given in context.
    ("mon mdp c'est Soleil2024!", f"mon mdp c'est {PWD}", ("password",)),
    ("mon mdp c’est Soleil2024!", f"mon mdp c’est {PWD}", ("password",)),
    ("mot de passe : Ehpad#2026", f"mot de passe : {PWD}", ("password",)),
    ("mot de passe\u00a0: Ehpad#2026", f"mot de passe\u00a0: {PWD}", ("password",)),
    ("password=hunter2", f"password={PWD}", ("password",)),
    ("mdp = azerty", f"mdp = {PWD}", ("password",)),
    ("MDP: azerty123", f"MDP: {PWD}", ("password",)),
    ("mon mot de passe c'est azerty", f"mon mot de passe c'est {PWD}", ("password",)),
    ("mon mdp c est soleil", f"mon mdp c est {PWD}", ("password",)),
    ("mon mdp cest bonjour", f"mon mdp cest {PWD}", ("password",)),
    ("mon ancien mdp était Printemps23", f"mon ancien mdp était {PWD}", ("password",)),
    (
        "le mdp du wifi des résidents c'est ehpad2024 merci",
        f"le mdp du wifi des résidents c'est {PWD} merci",
        ("password",),
    ),
    ("mdp Soleil2024! svp aide", f"mdp {PWD} svp aide", ("password",)),
    ("mdp provisoire Bienvenue1", f"mdp provisoire {PWD}", ("password",)),
    ("le mdp provisoire c'est Bienvenue1.", f"le mdp provisoire c'est {PWD}.", ("password",)),
    ("le code wifi c'est Ehpad2024", f"le code wifi c'est {PWD}", ("password",)),
    ("la clé wifi : FoyerDesPins", f"la clé wifi : {PWD}", ("password",)),
    (
        "mon mot de passe\u00a0: «\u00a0Bonjour 123\u00a0» je crois",
        f"mon mot de passe\u00a0: {PWD} je crois",
        ("password",),
    ),
    ('mdp "ma phrase secrete"', f"mdp {PWD}", ("password",)),
    ("mdp ameli pro c est Docteur75!", f"mdp ameli pro c est {PWD}", ("password",)),
    ("MON MDP C'EST SOLEIL", f"MON MDP C'EST {PWD}", ("password",)),
    ("mdp : ********", f"mdp : {PWD}", ("password",)),
    (
        "la cadre a noté le mdp: Azerty!2026 sur le tableau",
        f"la cadre a noté le mdp: {PWD} sur le tableau",
        ("password",),
    ),
    (
        "j'ai donné mon mdp (Bonjour1) au faux support",
        f"j'ai donné mon mdp ({PWD}) au faux support",
        ("password",),
    ),
    (
        "mot de passe: Soleil2024, identifiant: jdupont",
        f"mot de passe: {PWD}, identifiant: {LOGIN}",
        ("password", "identifier"),
    ),
    # PIN codes and one-time codes.
    (
        "on m'a demandé le code reçu par sms, je l'ai donné : 551203",
        f"on m'a demandé le code reçu par sms, je l'ai donné : {CODE}",
        ("code",),
    ),
    ("le sms disait 551 203 est votre code", f"le sms disait {CODE} est votre code", ("code",)),
    ("chambre 214, code porte 1975", f"chambre 214, code porte {CODE}", ("code",)),
    ("le code pin est 1234", f"le code pin est {CODE}", ("code",)),
    ("le code reçu par sms est 482913", f"le code reçu par sms est {CODE}", ("code",)),
    ("le code recu par sms c 482913", f"le code recu par sms c {CODE}", ("code",)),
    ("code de vérification : 482913", f"code de vérification : {CODE}", ("code",)),
    ("j'ai reçu le code 482 913 par texto", f"j'ai reçu le code {CODE} par texto", ("code",)),
    ("sms de ameli avec 739204 dedans", f"sms de ameli avec {CODE} dedans", ("code",)),
    ("le digicode c'est 4521B", f"le digicode c'est {CODE}", ("code",)),
    ("pin 0000", f"pin {CODE}", ("code",)),
    ("code secret de la CB : 9876", f"code secret de la CB : {CODE}", ("code",)),
    ("le code de ma carte cps c'est 1234", f"le code de ma carte cps c'est {CODE}", ("code",)),
    ("cryptogramme 123 4567", f"cryptogramme {CODE} {CODE}", ("code",)),
    # Logins.
    (
        "login: jdupont mdp: azerty",
        f"login: {LOGIN} mdp: {PWD}",
        ("identifier", "password"),
    ),
    ("identifiant : j.dupont", f"identifiant : {LOGIN}", ("identifier",)),
    ("mon identifiant c'est marie.martin2", f"mon identifiant c'est {LOGIN}", ("identifier",)),
    ("mon login est jdupont", f"mon login est {LOGIN}", ("identifier",)),
    ("login ide_nuit2 ne marche plus", f"login {LOGIN} ne marche plus", ("identifier",)),
    (
        "user: admin password: admin",
        f"user: {LOGIN} password: {PWD}",
        ("identifier", "password"),
    ),
    ("nom d'utilisateur = accueil01", f"nom d'utilisateur = {LOGIN}", ("identifier",)),
    ("mon rpps 10001234567", f"mon rpps {LOGIN}", ("identifier",)),
    # E-mail addresses.
    (
        "écrivez à jean.dupont@ehpad-les-tilleuls.fr svp",
        f"écrivez à {MAIL} svp",
        ("email",),
    ),
    ("mail de Direction.EHPAD+rh@orange.fr reçu", f"mail de {MAIL} reçu", ("email",)),
    ("(contact@ssiad-vallee.fr)", f"({MAIL})", ("email",)),
    # French phone numbers.
    ("appelle moi au 06 12 34 56 78", f"appelle moi au {TEL}", ("phone",)),
    ("mon portable 0612345678 svp", f"mon portable {TEL} svp", ("phone",)),
    ("le +33 6 12 34 56 78 a appelé", f"le {TEL} a appelé", ("phone",)),
    ("+33612345678", TEL, ("phone",)),
    ("tel: 01.23.45.67.89", f"tel: {TEL}", ("phone",)),
    ("0033 (0)1 23 45 67 89", TEL, ("phone",)),
    ("rappeler le 05-56-12-34-56.", f"rappeler le {TEL}.", ("phone",)),
    # Social security numbers (NIR).
    ("mon numero de secu 1 85 05 78 006 084 91", f"mon numero de secu {NIR}", ("nir",)),
    ("185057800608491", NIR, ("nir",)),
    (
        "mon n° de sécu est 1 85 05 78 006 084 91, c'est grave ?",
        f"mon n° de sécu est {NIR}, c'est grave ?",
        ("nir",),
    ),
    ("résidente 2 85 12 2A 123 456 95 entrée hier", f"résidente {NIR} entrée hier", ("nir",)),
    ("carte vitale : 2690299341732 85", f"carte vitale : {NIR}", ("nir",)),
    ("n° de sécu 2750375112233", f"n° de sécu {NIR}", ("nir",)),
    # IBAN.
    ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", f"IBAN {IBAN} merci", ("iban",)),
    ("nouveau rib fr7630006000011234567890189", f"nouveau rib {IBAN}", ("iban",)),
    ("DE89 3704 0044 0532 0130 00", IBAN, ("iban",)),
    (
        "virement sur FR76 1027 8060 3100 0205 5880 143 demandé par la direction",
        f"virement sur {IBAN} demandé par la direction",
        ("iban",),
    ),
    # Payment cards (Luhn-valid).
    ("ma carte 4970 1012 3456 7893 a été débitée", f"ma carte {CARD} a été débitée", ("card",)),
    ("4111-1111-1111-1111 exp 12/27", f"{CARD} exp 12/27", ("card",)),
    ("cb 5555555555554444", f"cb {CARD}", ("card",)),
    ("amex 3782 822463 10005", f"amex {CARD}", ("card",)),
    # CPS cards.
    ("ma carte cps numéro 2 51 12345678", f"ma carte cps numéro {CPS}", ("cps",)),
    ("n° e-CPS : 8001234567", f"n° e-CPS : {CPS}", ("cps",)),
    ("cps n° 8455502299 bloquee", f"cps n° {CPS} bloquee", ("cps",)),
    # Issue 12: the French forms that were missed.
    ("pass: Soleil2024", f"pass: {PWD}", ("password",)),
    ("PW: Hunter2", f"PW: {PWD}", ("password",)),
    ("mon mdp ? Soleil2024", f"mon mdp ? {PWD}", ("password",)),
    ("mon mdp?? Soleil2024", f"mon mdp?? {PWD}", ("password",)),
    ("mon mdp, Soleil2024", f"mon mdp, {PWD}", ("password",)),
    (
        "j'ai mis Soleil2024! comme mot de passe",
        f"j'ai mis {PWD} comme mot de passe",
        ("password",),
    ),
    ("jai choisi !5z2j6%j comme mdp wifi", f"jai choisi {PWD} comme mdp wifi", ("password",)),
    (
        "mot de passe: correct horse battery staple",
        f"mot de passe: {PWD}",
        ("password",),
    ),
    ("mon mdp : cheval girafe correct !!", f"mon mdp : {PWD} !!", ("password",)),
    (
        "j'ai changé le mdp de la tablette hier, l'ancien était Marguerite1",
        f"j'ai changé le mdp de la tablette hier, l'ancien était {PWD}",
        ("password",),
    ),
    (
        "nouveau mdp: Automne#24 l'ancien c'était Ete#24",
        f"nouveau mdp: {PWD} l'ancien c'était {PWD}",
        ("password",),
    ),
    (
        "mon mdp c Soleil2024 ou Printemps23 je sais plus",
        f"mon mdp c {PWD} ou {PWD} je sais plus",
        ("password",),
    ),
    (
        "il m'a demandé mon mdp, je lui ai donné: bienvenue",
        f"il m'a demandé mon mdp, je lui ai donné: {PWD}",
        ("password",),
    ),
    ("le mdp c'est toujours Printemps23", f"le mdp c'est toujours {PWD}", ("password",)),
    (
        "mot de passe de la boite mail 371426",
        f"mot de passe de la boite mail {PWD}",
        ("password",),
    ),
    ("cvv 123", f"cvv {CODE}", ("code",)),
    ("cryptogramme 123", f"cryptogramme {CODE}", ("code",)),
    ("exp 12/27 crypto 552", f"exp 12/27 crypto {CODE}", ("code",)),
    (
        "il m'a demandé le cryptogramme, j'ai donné 304",
        f"il m'a demandé le cryptogramme, j'ai donné {CODE}",
        ("code",),
    ),
    ("PIN de la carte CPS 1234", f"PIN de la carte CPS {CODE}", ("code",)),
    ("le code 2024 de la porte du 1er", f"le code {CODE} de la porte du 1er", ("code",)),
    (
        "code de deverrouillage de la tablette 92991A",
        f"code de deverrouillage de la tablette {CODE}",
        ("code",),
    ),
    ("G-739204 est votre code de validation", f"G-{CODE} est votre code de validation", ("code",)),
    ("82484656 est votre code", f"{CODE} est votre code", ("code",)),
    ("jai recu 91176655 par sms", f"jai recu {CODE} par sms", ("code",)),
    (
        "le code du sms, c'etait 21531657",
        f"le code du sms, c'etait {CODE}",
        ("code",),
    ),
    ("identifiant: mdupont", f"identifiant: {LOGIN}", ("identifier",)),
    ("mon id c mdupont", f"mon id c {LOGIN}", ("identifier",)),
    ("mon login c'est pmercier", f"mon login c'est {LOGIN}", ("identifier",)),
    ("le compte accueil32 est bloqué", f"le compte {LOGIN} est bloqué", ("identifier",)),
    (
        "je me connecte avec m.robin et ca marche pas",
        f"je me connecte avec {LOGIN} et ca marche pas",
        ("identifier",),
    ),
    (
        "user p.rousseau49 pass Ete1986",
        f"user {LOGIN} pass {PWD}",
        ("identifier", "password"),
    ),
    ("mon adresse : rh@mas-les-glycines.fr.", f"mon adresse : {MAIL}.", ("email",)),
    ("nouveau rib AT408753329907144072 svp", f"nouveau rib {IBAN} svp", ("iban",)),
    ("residente 1800887387591-38 entree hier", f"residente {NIR} entree hier", ("nir",)),
]


@pytest.mark.parametrize(("message", "expected", "kinds"), REDACTED)
def test_redacts(message: str, expected: str, kinds: tuple[str, ...]) -> None:
    result = redact(message)
    assert result == Redaction(expected, kinds)


KEPT = [
    # The NLU must still understand these: nothing secret in them.
    "j'ai donné mon mdp au faux technicien",
    "jai donne mon mdp a un gars au tel qui disait etre du service info",
    "mon mdp est expiré depuis ce matin",
    "mon mdp est bloque",
    "mon mot de passe est faux",
    "le mdp c'est quoi deja",
    "le mot de passe est trop court",
    "le mdp du poste de soins est affiché sur l'écran",
    "le mdp est écrit sur un post-it sous le clavier",
    "mon mot de passe ne marche plus",
    "jai oublie mon mot de passe",
    "mdp oublié?",
    "mdp",
    "c quoi un bon mdp",
    "comment changer mon mot de passe windows",
    "mon mot de passe a 8 caractères",
    "le mdp doit faire 12 caractères minimum",
    "mdp depuis le 29/11/2026",
    "mon mdp ne marche plus et la cadre est Marie",
    "mon identifiant est bloqué",
    "identifiant et mdp oubliés",
    "le login windows ne marche pas",
    "user est bloqué",
    "j'ai reçu un code par sms mais je l'ai pas demandé",
    "le code pin de la carte cps est bloqué",
    "ma carte cps est bloquée depuis la mise à jour",
    "on a la 2FA sur ameli pro",
    "le sms de 14h30 disait que mon colis etait bloque",
    "code erreur 0x80070005 sur l'ordi",
    "le code d'erreur est 0x80070005",
    "le code postal c'est 75012",
    "ticket VIG-2026-00042",
    "le code du ticket est VIG-2026-00042",
    "rdv à 14h30 le 29/11/2026",
    "rdv a 9h le 01/12",
    "3 résidents ont reçu un mail bizarre",
    "on a 2 ordis et 1 tablette au 2e étage chambre 214",
    "appelez le 15 ou le 112, ou le 3237",
    "la mise à jour windows 11 du 12/03/2026 a planté",
    "commande n° 4970101234567890 chez le fournisseur",
    "j'ai cliqué sur le lien dans le mail de ameli",
    "l'email de la direction a été piraté",
    "envoyez un mail à la direction@",
    "il est 14h30 et le pc redemarre en boucle depuis 2024",
    "version 22.8 installée le 29.11.2026",
    "le mdp, je l'ai donné au technicien",
    "mot de passe\u00a0: ?",
    "mdp = nom du chat + année de naissance",
    "bonjour jai recu un mail de la banque qui me demande mon mdp",
    "le technicien ma demandé mon identifiant et mon mot de passe",
    "pouvez vous reinitialiser le mdp de la tablette des transmissions",
    "le mot de passe de l'ordi du bureau infirmier est sur le planning",
    "j'ai tapé mon code pin 3 fois faux",
    "le mdp c'est le même que celui de la messagerie",
    "la facture 2026-0042 du fournisseur",
    "le patient de la chambre 12 né le 12/05/1938",
    "pb de mdp",
    "mdp perdu help",
    "code wifi svp",
    "facture 202604 reçue",
    "le sms est arrivé en 2024",
    # Issue 12: what must stay as it is.
    "le code a changé en 2024",
    "le code de la porte a changé depuis 2023",
    "depuis 2024 le code de la porte ne marche plus",
    "mon mdp, je l'ai donné",
    "mon mdp ? je l'ai oublié",
    "identifiant: oublié",
    "j'ai mis ça comme mot de passe",
    "j'ai mis la date de naissance comme mdp",
    "l'ancien était mieux",
    "mdp changé le 2026-06-18, c'est normal ?",
    "nouveau mot de passe tous les 90 jours depuis 2027.",
    "le mdp expire tous les 90 jours c'est grave ?",
    "le cvv est effacé",
    "cryptogramme illisible sur la carte",
    "le fournisseur siret 412 039 876 00013 a changé de banque",
    "code cip 3400930000000 en rupture",
    "on m'a demandé de valider la commande 7764536 par sms",
    "transferer un sms au 33700 comment on fait",
    "mon compte est hacke",
    "une collegue part a la retraite, son compte reste actif ?",
    "se connecter avec e-cps au lieu de la carte c est securisé ?",
    "une appli pour retenir tous mes identifiants c est fiable",
    "chambre 112 lit 2, 2,5 mg a 14h30, poste 2345, FINESS 750712184",
    "aide stp le pc est tout bleu avec le code E-1042",
    # Vigie's own answers, quoted back: follow-ups need a value that looks secret.
    "compte bloqué ou identifiants à donner.",
    "carte CPS perdue ou volée : prévenez tout de suite, puis changez le mot de passe",
    "Authentication-Results: mx.ehpad.fr; spf=pass smtp.mailfrom=x; dkim=pass",
    "une stagiaire arrive sans compte : demandez-en un pour elle",
    "quelqu'un a utilisé votre session : prévenez la cadre",
    "session : Marie l'a laissée ouverte",
]


@pytest.mark.parametrize("message", KEPT)
def test_keeps_ordinary_messages(message: str) -> None:
    assert redact(message) == Redaction(message, ())


def test_several_kinds_in_order_of_appearance() -> None:
    message = (
        "Bonjour, je suis Mme Leroy 06 12 34 56 78, mon mail c marie.leroy@gmail.com, "
        "j'ai donné mon mdp au faux technicien : login: mleroy mdp: Soleil2024! "
        "et le code recu par sms est 482913. Ticket VIG-2026-00042 à 14h30."
    )
    result = redact(message)
    assert result.found == ("phone", "email", "identifier", "password", "code")
    assert result.text == (
        f"Bonjour, je suis Mme Leroy {TEL}, mon mail c {MAIL}, "
        f"j'ai donné mon mdp au faux technicien : login: {LOGIN} mdp: {PWD} "
        f"et le code recu par sms est {CODE}. Ticket VIG-2026-00042 à 14h30."
    )
    for secret in ("0612", "marie.leroy", "mleroy", "Soleil2024", "482913"):
        assert secret not in result.text.replace(" ", "")


def test_redaction_is_idempotent() -> None:
    for message, _, _ in REDACTED:
        once = redact(message)
        assert redact(once.text) == Redaction(once.text, ())


def test_placeholders_are_french_and_bracketed() -> None:
    for placeholder in PLACEHOLDERS.values():
        assert placeholder.startswith("[")
        assert placeholder.endswith("]")
        assert "masqu" in placeholder


def test_result_is_frozen() -> None:
    result = redact("mdp: azerty")
    assert result.changed
    assert not redact("bonjour").changed
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]


def test_empty_and_unicode_text() -> None:
    assert redact("") == Redaction("", ())
    assert redact("🚨🚨 au secours tout est bloqué 🚨") == Redaction(
        "🚨🚨 au secours tout est bloqué 🚨", ()
    )


HOSTILE = {
    "keywords": "mdp " * 25_000,
    "keywords and separators": "mdp: a " * 15_000,
    "long clause": "mot de passe de la " * 5_300,
    "digits": "1" * 100_000,
    "spaced digits": "1 " * 50_000,
    "at signs": "a@" * 50_000,
    "almost e-mails": ("a" * 60 + "@" + "b" * 250 + " ") * 320,
    "dots": "a." * 50_000,
    "codes": "code " * 20_000,
    "iban prefixes": "FR76 " * 20_000,
    "phone prefixes": "+33 " * 25_000,
    "unclosed quote": "mdp: «" + "x" * 100_000,
    "nir fragments": "1 85 05 " * 12_500,
    "mixed": "mdp est c'est : = sms code pin 06 12 login id: " * 2_200,
    "ticket-like": "VIG-2026-" * 11_000,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_linear(name: str) -> None:
    text = HOSTILE[name]
    assert len(text) >= 95_000
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 5


ADVERSARIAL = (
    "mdp mot de passe pass pw: c'est ou donné l'ancien était ? , ... j'ai mis comme mdp "
    "code pin cvv cryptogramme donné: sms G- est votre code identifiant compte session "
    "FR76 1234 1 85 05 2A 4970 06 12 a@b. mdp: cheval girafe le "
) * 510


def test_adversarial_message_is_redacted_well_under_a_second() -> None:
    """Every keyword and separator of the patterns, 100,000 characters: the best of three
    runs (the machine may be busy) takes well under a second."""
    assert len(ADVERSARIAL) >= 100_000
    redact("FR7630006000011234567890189 4970101234567893")  # python-stdnum imported
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        redact(ADVERSARIAL)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.5


@pytest.mark.parametrize("part", ["tuning", "heldout"])
def test_labelled_set_floors(part: str) -> None:
    """The floors of docs/privacy.md on each part of tests/data/redaction/."""
    result = eval_redaction.evaluate(part)
    assert len(result.of("benign")) >= 500
    for kind in redaction_set.POSITIVE_KINDS:
        assert len(result.of(kind)) >= 200, kind
    assert result.failing() == [], eval_redaction.report(result)


def test_labelled_set_is_what_the_generator_writes() -> None:
    for path, text in redaction_set.files().items():
        assert path.read_text(encoding="utf-8") == text, path


def test_labelled_set_split_is_fixed() -> None:
    cases = list(redaction_set.iter_all())
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids))
    heldout = [case for case in cases if redaction_set.part_of(case["id"]) == "heldout"]
    assert 0.25 < len(heldout) / len(cases) < 0.35
    assert heldout == redaction_set.load("heldout")
    for kind in redaction_set.KINDS:
        count = sum(case["kind"] == kind for case in cases)
        assert count >= (2_000 if kind == "benign" else 1_000), kind


def test_nlu_training_examples_are_left_alone() -> None:
    """What the NLU learnt from reaches it intact (messages are redacted before the NLU reads
    them), but for the one example with a password in it. A new example changed here is
    either a false positive of redaction or an example the NLU will never see as written."""
    changed = eval_redaction.nlu_changes()
    assert len(eval_redaction.nlu_examples()) > 1_000
    assert changed == [("mon mdp c 1234 c pas bien ?", f"mon mdp c {PWD} c pas bien ?")]
