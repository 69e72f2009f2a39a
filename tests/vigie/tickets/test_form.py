"""Answers to the ticket form, typed the way staff type, or chosen with a button."""

from __future__ import annotations

import pytest

from vigie.tickets import form as tf


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l imprimante du 2e", "printer"),
        ("Le logiciel de soins", "care_software"),
        ("le DPI plante", "care_software"),
        ("wifi", "network"),
        ("plus d'internet", "network"),
        ("l’ordi du bureau infirmier", "workstation"),
        ("Outlook", "email"),
        ("le dect", "phone"),
        ("autre", "other"),
        ("banane", None),
        ("", None),
    ],
)
def test_device(text: str, expected: str | None) -> None:
    assert tf.parse_device(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("juste moi", "me"),
        ("moi", "me"),
        ("tout le service", "service"),
        ("toute l'équipe de nuit", "service"),
        ("Tout l’établissement", "facility"),
        ("tout le monde", "facility"),
        ("je sais pas", None),
    ],
)
def test_scope(text: str, expected: str | None) -> None:
    assert tf.parse_scope(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", "yes"),
        ("oui ça va", "yes"),
        ("avec difficulté", "degraded"),
        ("on se débrouille sur papier", "degraded"),
        ("oui mais sans le dossier de soins", "degraded"),
        ("oui sauf les transmissions", "degraded"),
        ("non", "no"),
        ("impossible tout est bloqué", "no"),
        ("les soins ne peuvent pas continuer", "no"),
        ("on ne peut pas continuer", "no"),
        ("pas de souci", "yes"),
        ("pas normalement", None),
        ("pas ok", None),
        ("banane", None),
    ],
)
def test_care_impact(text: str, expected: str | None) -> None:
    assert tf.parse_care_impact(text) == expected


def test_buttons_win_and_foreign_codes_are_refused() -> None:
    assert tf.parse_device("n’importe quoi", "printer") == "printer"
    assert tf.parse_device("", "facility") is None  # a code of another question
    assert tf.parse_scope("", "facility") == "facility"
    assert tf.parse_urgency("", "critical") == "critical"
    assert tf.parse_urgency("c'est très urgent") == "critical"
    assert tf.parse_urgency("pas urgent") == "low"
    assert tf.parse_field("", "urgency") == "urgency"
    assert tf.parse_field("changer l'urgence") == "urgency"
    assert tf.parse_confirmation("", "modify") == "modify"
    assert tf.parse_confirmation("oui c'est bon") == "confirm"
    assert tf.parse_confirmation("je veux modifier") == "modify"
    assert tf.parse_confirmation("peut-être") is None
    assert tf.parse_urgency("pas très urgent") == "low"
    assert tf.parse_urgency("pas critique") is None


@pytest.mark.parametrize(
    "text", ["non, ne l’envoyez pas", "je ne confirme pas", "ne pas envoyer", "pas d’accord", "go"]
)
def test_a_refusal_is_never_a_confirmation(text: str) -> None:
    assert tf.parse_confirmation(text) is None


def test_problem_is_kept_cleaned_and_bounded() -> None:
    assert tf.parse_problem("  l'imprimante   bloque\n depuis ce matin ") == (
        "l'imprimante bloque depuis ce matin"
    )
    assert tf.parse_problem("ok") is None
    assert tf.parse_problem("?!") is None
    assert tf.parse_problem('/inform{"choice":"printer"}') is None
    long = tf.parse_problem("a" * 5000)
    assert long is not None and len(long) == tf.PROBLEM_MAX_CHARS and long.endswith("…")


# --- The form's questions -------------------------------------------------------------------


def test_required_slots_follow_the_summary_answers() -> None:
    base = ["problem", "device", "scope", "care_impact"]
    assert tf.required_slots(None, None) == [*base, "ticket_confirmation"]
    assert tf.required_slots("confirm", "urgency") == [*base, "ticket_confirmation"]
    assert tf.required_slots("modify", None) == [*base, "ticket_field", "ticket_confirmation"]
    assert tf.required_slots("modify", "device") == [*base, "ticket_field", "ticket_confirmation"]
    assert tf.required_slots("modify", "urgency") == [
        *base,
        "ticket_field",
        "ticket_urgency",
        "ticket_confirmation",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "mon pc ne démarre plus depuis ce matin, écran noir",
        "je voudrais ouvrir un ticket, l'imprimante du 2e est bloquée",
        "bonjour, le logiciel de soins plante quand j'ouvre un dossier",
        "la messagerie ne marche plus depuis hier soir",
        "besoin d aide le wifi de la salle de soins ne fonctionne pas",
    ],
)
def test_a_request_that_says_what_is_wrong_is_the_description(text: str) -> None:
    assert tf.described_problem(text) == tf.parse_problem(text)


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais ouvrir un ticket",
        "j'ai un problème",
        "besoin d'aide svp",
        "faire une demande au technicien",
        "c'est bloqué",  # a symptom, but of nothing: the form asks
        "/open_ticket",
        "j'ai besoin de l'assistance pour un souci",
    ],
)
def test_a_request_alone_is_no_description(text: str) -> None:
    assert tf.described_problem(text) is None
