"""Answers to the suspicious e-mail form, typed the way staff type, or chosen with a button."""

from __future__ import annotations

import pytest

from vigie.phishing import form as pf
from vigie.phishing.service import MAIL_ACTIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Nothing done
        ("rien", "none"),
        ("non rien", "none"),
        ("Rien du tout", "none"),
        ("j'ai rien fait", "none"),
        ("je n’ai rien fait", "none"),
        ("je l'ai supprimé direct", "none"),
        ("j ai juste lu le mail", "none"),
        ("j'ai juste ouvert le mail", "none"),
        ("je l'ai transféré à l'informatique", "none"),
        # Denied: nothing else said
        ("j ai pas cliqué", "none"),
        ("g pa cliké", "none"),
        ("je n'ai cliqué sur rien", "none"),
        ("la pj je l ai pas ouverte", "none"),
        # Clicked
        ("g cliqué", "clicked"),
        ("j ai cliqué sur le lien", "clicked"),
        ("J’ai cliqué sur un lien", "clicked"),
        ("Non, j'ai cliqué", "clicked"),
        ("je n'ai fait que cliquer", "clicked"),
        ("j'ai cliqué mais pas mis mon mdp", "clicked"),
        ("j'ai cliqué mais j'ai rien mis", "clicked"),
        ("je sais pas si j'ai cliqué", "clicked"),
        ("pas sûre, j'ai peut-être cliqué", "clicked"),
        # Credentials
        ("j ai mis mon mdp", "credentials"),
        ("g mis mon mdp", "credentials"),
        ("j'ai tapé mes identifiants", "credentials"),
        ("j'ai cliqué sur le lien et rentré mon code", "credentials"),
        ("je me suis connectée", "credentials"),
        ("j'ai donné ma carte bancaire", "credentials"),
        # Attachment
        ("ouvert la pj", "attachment"),
        ("j'ai ouvert la pièce jointe", "attachment"),
        ("j'ai ouvert le fichier", "attachment"),
        ("j'ai cliqué sur la facture", "attachment"),
        ("j'ai pas cliqué mais j'ai ouvert la pj", "attachment"),
        # Replied
        ("j ai repondu", "replied"),
        ("jai rep au mail", "replied"),
        ("j'ai envoyé le RIB", "replied"),
        # Not understood: asked again with the buttons
        ("banane", None),
        ("j'ai ouvert", None),
        ("merci", None),
        ("", None),
        ('/inform{"choice":"nope"}', None),
    ],
)
def test_mail_action_typed(text: str, expected: str | None) -> None:
    assert pf.parse_mail_action(text) == expected


def test_mail_action_buttons() -> None:
    for code in pf.FORM_ANSWERS:
        assert pf.parse_mail_action(f'/inform{{"choice":"{code}"}}', code) == code
    # A button of another question is not an answer; nor is clicked_asked (second question).
    assert pf.parse_mail_action('/inform{"choice":"yes"}', "yes") is None
    assert pf.parse_mail_action("x", "clicked_asked") is None


def test_form_answers_are_mail_actions() -> None:
    assert set(pf.FORM_ANSWERS) < set(MAIL_ACTIONS)
    assert set(MAIL_ACTIONS) - set(pf.FORM_ANSWERS) == {"clicked_asked"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", "yes"),
        ("Ouais elle demandait un code", "yes"),
        ("oui mon mdp", "yes"),
        ("elle voulait mes identifiants", "yes"),
        ("si", "yes"),
        ("un téléchargement", "yes"),
        ("jsp", "yes"),  # in doubt, the careful reflexes
        ("je sais plus", "yes"),
        ("non", "no"),
        ("nan", "no"),
        ("non elle a rien demandé", "no"),
        ("elle m'a pas demandé", "no"),
        ("page blanche", "no"),
        ("banane", None),
        ("", None),
    ],
)
def test_yes_no_typed(text: str, expected: str | None) -> None:
    assert pf.parse_yes_no(text) == expected


def test_yes_no_buttons() -> None:
    assert pf.parse_yes_no('/inform{"choice":"yes"}', "yes") == "yes"
    assert pf.parse_yes_no('/inform{"choice":"no"}', "no") == "no"
    assert pf.parse_yes_no('/inform{"choice":"clicked"}', "clicked") is None


# --- The form's questions, and questions asked instead of an answer -------------------------


def test_the_page_question_comes_only_after_a_click() -> None:
    assert pf.required_questions(None) == ["mail_action"]
    assert pf.required_questions("credentials") == ["mail_action"]
    assert pf.required_questions("clicked") == ["mail_action", "link_asked"]
    assert pf.required_questions("clicked_asked") == ["mail_action", "link_asked"]
    assert pf.action_after_link("yes") == "clicked_asked"
    assert pf.action_after_link("no") == "clicked"


@pytest.mark.parametrize(
    ("text", "button", "intent", "confidence", "first"),
    [
        ("c'est quoi un mdp solide ?", None, "faq", 0.6, True),
        ("vous êtes un robot ?", None, "bot_challenge", 0.9, True),
        ("c'est quoi un mdp solide ?", None, "faq", 0.59, False),
        ("c'est quoi un mdp solide", None, "faq", 0.9, False),  # no question mark
        ("j'ai cliqué, c'est grave ?", None, "report_phishing", 0.9, False),
        ("/inform ?", "clicked", "faq", 0.9, False),  # a button is an answer
    ],
)
def test_a_typed_question_is_answered_first(
    text: str, button: str | None, intent: str, confidence: float, first: bool
) -> None:
    assert pf.question_first(text, button, intent, confidence) is first


def test_a_new_suspicious_mail_is_not_a_side_question() -> None:
    assert not pf.may_be_side_question("report_phishing")
    assert pf.may_be_side_question("faq")
    assert pf.may_be_side_question(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" 7 ", 7), (42, 42), ("x", None), (None, None), ("", None),
     ("-3", None), ("1" * 18, int("1" * 18)), ("1" * 19, None)],
)  # fmt: skip
def test_report_ids_are_short_decimal_numbers(value: object, expected: int | None) -> None:
    assert pf.parse_report_id(value) == expected
