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
