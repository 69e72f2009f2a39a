"""Saying one already typed a password or a code, in the words staff use."""

from __future__ import annotations

import pytest

from vigie.phishing.disclosure import typed_a_secret


@pytest.mark.parametrize(
    "text",
    [
        "j'ai cliqué sur un lien dans un mail et j'ai mis mon mot de passe",
        "jai cliqué et mis mon mdp",
        "g tapé mes identifiants sur le site",
        "j ai rentré mon code sms reçu",
        "j'ai donné le code reçu par sms à la personne au téléphone",
        "J’ai saisi mon mot de passe sur la page Microsoft",
        "j'ai renseigné mes coordonnées bancaires sur le site ameli",
        "mon mdp saisi sur la page, c'est grave ?",
        "j'ai mis mes identifiants et mot de passe",
        "jai entre mon login sur la page",
    ],
)
def test_a_secret_already_typed_is_recognised(text: str) -> None:
    assert typed_a_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "j'ai reçu un mail bizarre",
        "je n'ai pas mis mon mot de passe, j'ai juste cliqué",
        "j'ai cliqué mais je n'ai rien tapé",
        "comment choisir un bon mot de passe",
        "j'ai oublié mon mot de passe",
        "on me demande mon mot de passe par mail, je fais quoi",
        "j'ai mis le mail à la corbeille",
        "mon mdp c'est [mot de passe masqué]",
        "j'ai changé mon mot de passe hier",
        "",
    ],
)
def test_other_messages_are_not_taken_for_one(text: str) -> None:
    assert not typed_a_secret(text)
