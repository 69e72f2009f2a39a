"""Pictures of e-mails read with Tesseract in the analysis worker, then judged."""

from __future__ import annotations

import pytest

from tests.auxil import screenshots
from vigie.phishing.mailcheck import Limits, trusted_domains
from vigie.phishing.mailcheck.sandbox import Sandbox
from vigie.phishing.mailcheck.texts import PICTURE_CAVEAT

AMELI_BODY = (
    "Bonjour,\nUn remboursement de 238,40 € est en attente sur votre compte. Pour le recevoir, "
    "confirmez vos coordonnées bancaires sous 24 h sur https://ameli-dossier-securise.com\n"
    "Faute de quoi votre dossier sera clôturé.\nL’Assurance Maladie"
)
SENDER = "Ameli <remboursement@ameli-dossier-securise.com>"
PLANNING = (
    "Bonjour à tous,\nle planning de décembre est affiché en salle de pause.\nBonne semaine, Claire"
)


@pytest.mark.parametrize(
    "picture",
    [
        screenshots.phone(SENDER, "Remboursement en attente", AMELI_BODY),
        screenshots.desktop(
            SENDER, "accueil@ehpad-tilleuls.fr", "Remboursement en attente", AMELI_BODY
        ),
        screenshots.photographed(
            screenshots.desktop(
                SENDER, "accueil@ehpad-tilleuls.fr", "Remboursement en attente", AMELI_BODY
            )
        ),
    ],
    ids=["phone", "desktop", "photo_of_screen"],
)
async def test_a_picture_of_a_phishing_mail_is_read_and_judged(picture: bytes) -> None:
    result = await Sandbox(workers=1).analyse_image(
        picture, trusted=trusted_domains(), limits=Limits()
    )
    assert result.completed and result.text_chars >= 80
    assert result.analysis.verdict in ("dangereux", "douteux")
    assert result.analysis.reasons[-1] == PICTURE_CAVEAT  # what a picture cannot show


async def test_a_picture_of_a_harmless_mail_stays_harmless() -> None:
    picture = screenshots.desktop(
        "Claire Martin <c.martin@ehpad-tilleuls.fr>",
        "equipe@ehpad-tilleuls.fr",
        "Planning",
        PLANNING,
    )
    result = await Sandbox(workers=1).analyse_image(
        picture, trusted=trusted_domains(["ehpad-tilleuls.fr"]), limits=Limits()
    )
    assert result.analysis.verdict == "sans_danger"


async def test_what_is_no_picture_reads_nothing() -> None:
    result = await Sandbox(workers=1).analyse_image(
        b"\xff\xd8\xffnot a jpeg", trusted=(), limits=Limits()
    )
    assert result.completed and result.text_chars == 0
