"""``vigie analyse-mail FILE.eml [--json]``: offline, no database, French output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.admin.cli import main

PHISHING = b"""From: "Microsoft 365" <alerte@m365-securite.com>
To: accueil@ehpad-tilleuls.fr
Subject: Votre mot de passe expire aujourd'hui
Authentication-Results: mx.ehpad.fr; spf=fail; dmarc=fail

URGENT : votre mot de passe expire. Confirmez votre mot de passe ici : https://bit.ly/m365
"""


@pytest.fixture
def eml(tmp_path: Path) -> Path:
    path = tmp_path / "suspect.eml"
    path.write_bytes(PHISHING)
    return path


@pytest.fixture
def no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database URL that would be created if anything migrated it."""
    database = tmp_path / "never.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    return database


def test_prints_the_verdict_in_french(
    eml: Path, no_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyse-mail", str(eml)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Verdict\u00a0: Dangereux")
    assert "Raisons\u00a0:" in out and "Indicateurs\u00a0:" in out
    assert "hxxps://bit[.]ly/m365" in out and "https://" not in out
    assert not no_database.exists()


def test_json(eml: Path, no_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse-mail", str(eml), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "dangereux"
    assert isinstance(payload["score"], int)
    assert payload["reasons"] and payload["indicators"]
    assert not no_database.exists()


def test_trusted_domains_come_from_the_settings(
    tmp_path: Path,
    no_database: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "direction.eml"
    path.write_bytes(b"From: Direction <direction@ehpad-tilleul.fr>\nSubject: Point\n\nBonjour.\n")
    assert main(["analyse-mail", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "sans_danger"
    monkeypatch.setenv("MAIL_TRUSTED_DOMAINS", "ehpad-tilleuls.fr, fam-horizon.org")
    assert main(["analyse-mail", str(path), "--json"]) == 0
    codes = [s["code"] for s in json.loads(capsys.readouterr().out)["signals"]]
    assert "lookalike_sender" in codes


def test_unreadable_file(
    tmp_path: Path, no_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyse-mail", str(tmp_path / "absent.eml")]) == 1
    assert "fichier illisible" in capsys.readouterr().err
    assert main(["analyse-mail", str(tmp_path)]) == 1  # a directory


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse-mail"]) == 2
    assert main(["analyse-mail", "a.eml", "--bogus"]) == 2


def test_an_outlook_file_is_read_too(
    tmp_path: Path, no_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.auxil.msgfile import build_msg

    outlook = tmp_path / "suspect.msg"
    outlook.write_bytes(
        build_msg(
            subject="Votre mot de passe expire aujourd'hui",
            sender_name="Microsoft 365",
            sender_email="alerte@m365-securite.com",
            to="accueil@ehpad-tilleuls.fr",
            body="URGENT : confirmez votre mot de passe ici : https://bit.ly/m365",
        )
    )
    assert main(["analyse-mail", str(outlook)]) == 0
    assert capsys.readouterr().out.startswith("Verdict\u00a0: ")
    broken = tmp_path / "broken.msg"
    broken.write_bytes(b"\xd0\xcf\x11\xe0")
    assert main(["analyse-mail", str(broken)]) == 1
    assert "illisible" in capsys.readouterr().err
