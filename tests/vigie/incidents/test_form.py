"""The incident and lost-device forms' answers, typed or chosen with a button."""

from __future__ import annotations

import pytest

from vigie.incidents import form
from vigie.incidents.form import SKIP
from vigie.incidents.service import incident_urgency


@pytest.mark.parametrize(
    ("text", "choice", "expected"),
    [
        ("L'écran affiche une demande de rançon", None, "L'écran affiche une demande de rançon"),
        ("  depuis   3 h du matin ", None, "depuis 3 h du matin"),
        ('/inform{"choice":"skip"}', "skip", SKIP),
        ("passer", None, SKIP),
        ("je sais pas", None, SKIP),
        ("Je ne sais pas", None, SKIP),
        ("jsp", None, SKIP),
        ('/inform{"choice":"yes"}', "yes", None),  # a button of another question
        ("?", None, None),
    ],
)
def test_free_answers(text: str, choice: str | None, expected: str | None) -> None:
    assert form.parse_text(text, choice) == expected


def test_a_long_answer_mentioning_doubt_is_kept() -> None:
    text = "je sais pas trop, le logiciel de soins affiche des fichiers renommés en .lock"
    assert form.parse_text(text) == text


@pytest.mark.parametrize(
    ("text", "choice", "expected"),
    [
        ("", "degraded", "degraded"),
        ("", "skip", SKIP),
        ("non impossible", None, "no"),
        ("on continue sur papier", None, "degraded"),
        ("avec difficulté, on passe sur papier", None, "degraded"),
        ("oui", None, "yes"),
        ("passer", None, SKIP),
        ("je sais pas", None, SKIP),
        ("banane", None, None),
    ],
)
def test_care(text: str, choice: str | None, expected: str | None) -> None:
    assert form.parse_care(text, choice) == expected


@pytest.mark.parametrize(
    ("text", "choice", "expected"),
    [
        ("", "unknown", "unknown"),
        ("", "skip", SKIP),
        ("oui", None, "yes"),
        ("oui sûrement, le dossier de soins", None, "yes"),
        ("non", None, "no"),
        ("pas du tout", None, "no"),
        ("je ne sais pas", None, "unknown"),
        ("peut-être", None, "unknown"),
        ("passer", None, SKIP),
        ("banane", None, None),
    ],
)
def test_yes_no_or_unknown(text: str, choice: str | None, expected: str | None) -> None:
    assert form.parse_tristate(text, choice) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", "yes"),
        ("il y a un code", "yes"),
        ("verrouillé par empreinte", "yes"),
        ("pas de code", "no"),
        ("non", "no"),
        ("aucune idée", "unknown"),
    ],
)
def test_locked(text: str, expected: str) -> None:
    assert form.parse_locked(text) == expected


@pytest.mark.parametrize(
    ("text", "choice", "expected"),
    [
        ("", "cps_card", "cps_card"),
        ("ma carte CPS", None, "cps_card"),
        ("mon portable", None, "phone"),
        ("le téléphone du service", None, "phone"),
        ("l'ordinateur portable de l'infirmerie", None, "laptop"),
        ("un pc portable", None, "laptop"),
        ("la tablette", None, "tablet"),
        ("une clé USB", None, "usb_key"),
        ("mon badge", None, "badge"),
        ("passer", None, SKIP),
        ("banane", None, None),
    ],
)
def test_lost_device(text: str, choice: str | None, expected: str | None) -> None:
    assert form.parse_lost_device(text, choice) == expected


def test_drafts_read_skipped_answers_as_not_said() -> None:
    draft = form.incident_draft(
        {
            "incident_what": "écran de rançon",
            "incident_since": SKIP,
            "incident_extent": "deux postes",
            "incident_care": "degraded",
            "incident_data": SKIP,
            "incident_done": "câble débranché",
        }
    )
    assert draft.kind == "incident"
    assert (draft.what, draft.since, draft.extent) == ("écran de rançon", None, "deux postes")
    assert (draft.care_continues, draft.data_affected) == ("degraded", None)
    assert draft.actions_taken == "câble débranché"
    lost = form.lost_device_draft(
        {"lost_what": "phone", "lost_when": "hier soir", "lost_data": "no", "lost_locked": "yes"}
    )
    assert (lost.kind, lost.lost_device, lost.since) == ("lost_device", "phone", "hier soir")
    assert incident_urgency(lost) == "high"
    skipped = form.lost_device_draft({q: SKIP for q in form.LOST_QUESTIONS})
    assert skipped.lost_device is None and incident_urgency(skipped) == "critical"


def test_buttons_of_free_questions_stand_for_their_answer() -> None:
    assert form.parse_text('/inform{"choice":"several"}', "several") == "plusieurs postes"
    assert form.parse_text('/inform{"choice":"yesterday"}', "yesterday") == "hier"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "au secours mon écran affiche une demande de rançon",
            "au secours mon écran affiche une demande de rançon",
        ),
        ("au secours", None),
        ("virus !!", None),
        ("/declare_incident", None),
        ("aidez moi vite svp", None),  # four words: asked in the form
    ],
)
def test_the_first_message_is_the_description_when_it_is_one(
    text: str, expected: str | None
) -> None:
    assert form.described_incident(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("j'ai perdu ma carte cps", "cps_card"),
        ("on m'a volé mon téléphone pro dans le bus", "phone"),
        ("j'ai perdu un truc", None),
        ("/lost_device", None),
    ],
)
def test_what_was_lost_is_kept_from_the_first_message(text: str, expected: str | None) -> None:
    assert form.described_lost_device(text) == expected
