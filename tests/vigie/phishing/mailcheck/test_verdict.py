"""The verdict: levels, reasons, defanged indicators, JSON, no network, no exception ever."""

from __future__ import annotations

import random
import re
import socket
import time
from email.message import EmailMessage
from typing import Any

import pytest

from vigie.phishing.mailcheck import Analysis, Limits, analyse
from vigie.phishing.mailcheck.texts import SIGNALS, VERDICT_SUMMARIES
from vigie.phishing.mailcheck.verdict import DANGEROUS_SCORE, DOUBTFUL_SCORE, verdict_for

PHISHING = b"""From: "Assurance Maladie" <noreply@ameli-remboursement.info>
Reply-To: contact.ameli@gmail.com
To: marie@ehpad-tilleuls.fr
Subject: Votre remboursement est en attente
Authentication-Results: mx.ehpad.fr; spf=fail smtp.mailfrom=ameli-remboursement.info; dmarc=fail
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Vous avez droit a un remboursement. Confirmez vos informations bancaires sous 24h : https://bit.ly/xyz
--b1
Content-Type: text/html; charset=utf-8

<p>Vous avez droit a un remboursement.</p><a href="http://185.12.3.4/ameli/login">https://www.ameli.fr/assure</a>
--b1--
"""

COLLEAGUE = """From: Julie Perrin <j.perrin@ehpad-tilleuls.fr>
To: accueil@ehpad-tilleuls.fr
Subject: Planning de la semaine
Authentication-Results: mx.ehpad.fr; spf=pass; dkim=pass; dmarc=pass

Bonjour, je te mets le planning en pièce jointe demain. Bonne journée, Julie
""".encode()


def test_phishing_is_dangerous_with_reasons_and_defanged_indicators() -> None:
    result = analyse(PHISHING)
    assert result.verdict == "dangereux" and result.score >= DANGEROUS_SCORE
    assert 1 <= len(result.reasons) <= 3
    assert "noreply[@]ameli-remboursement[.]info" in result.indicators
    assert "hxxp://185[.]12[.]3[.]4/ameli/login" in result.indicators
    assert "hxxps://bit[.]ly/xyz" in result.indicators
    for indicator in result.indicators:
        assert "http://" not in indicator and "https://" not in indicator
        assert not re.search(r"\w@\w", indicator)
    weights = [signal.weight for signal in result.signals]
    assert weights == sorted(weights, reverse=True)
    assert result.reasons == [s.explanation_fr for s in result.signals[: len(result.reasons)]]


def test_a_harmless_message_is_only_probably_harmless() -> None:
    result = analyse(COLLEAGUE)
    assert result.verdict == "sans_danger" and result.score < DOUBTFUL_SCORE
    assert result.label_fr == "Probablement sans danger"
    assert "prudent" in result.summary_fr
    assert "sans danger" not in result.summary_fr.lower().replace("probablement sans danger", "")
    assert result.reasons  # says that no usual sign was found, never that it is safe


def test_levels() -> None:
    assert verdict_for(DANGEROUS_SCORE) == "dangereux"
    assert verdict_for(DANGEROUS_SCORE - 1) == "douteux"
    assert verdict_for(DOUBTFUL_SCORE) == "douteux"
    assert verdict_for(DOUBTFUL_SCORE - 1) == "sans_danger"


def test_json() -> None:
    payload: dict[str, Any] = analyse(PHISHING).to_json()
    assert {
        "verdict",
        "score",
        "reasons",
        "indicators",
        "signals",
        "truncated",
        "elapsed_ms",
    } <= payload.keys()
    assert payload["verdict"] in ("dangereux", "douteux", "sans_danger")
    assert isinstance(payload["score"], int) and isinstance(payload["reasons"], list)


def test_oversized_file_is_refused_quickly_and_not_called_harmless() -> None:
    data = COLLEAGUE + b"x" * (11 * 1024 * 1024)
    started = time.monotonic()
    result = analyse(data)
    assert time.monotonic() - started < 0.5
    assert result.truncated and result.verdict == "douteux"
    assert "trop volumineux" in result.reasons[0]
    spoofed = analyse(PHISHING.replace(b"--b1--", b"x" * (11 * 1024 * 1024)))
    assert spoofed.verdict == "dangereux"  # the headers alone are damning


def test_a_message_over_the_structural_limits_is_doubtful() -> None:
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(40)
    )
    result = analyse(b"From: a@exemple.fr\n" + opening + b"Content-Type: text/plain\n\nx\n")
    assert result.truncated and result.verdict == "douteux"


def test_time_budget() -> None:
    result = analyse(PHISHING, limits=Limits(max_seconds=0.0))
    assert isinstance(result, Analysis) and result.truncated


def test_no_network_is_ever_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        calls.append("network")
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    links = "\n".join(
        f'<a href="https://site{i}.example/p"><img src="https://img{i}.example/x.png">www.ameli.fr</a>'
        f'<link rel="stylesheet" href="https://css{i}.example/a.css">'
        for i in range(200)
    )
    msg = EmailMessage()
    msg["From"] = "Ameli <a@pirate.example>"
    msg["Subject"] = "Liens"
    msg.set_content("https://bit.ly/a http://10.0.0.1/ www.exemple.com")
    msg.add_alternative(
        f"<html><head><base href='https://b.example/'></head><body>{links}</body></html>",
        subtype="html",
    )
    result = analyse(msg.as_bytes())
    assert result.verdict == "dangereux"
    assert calls == []


def _check(data: bytes) -> None:
    started = time.monotonic()
    result = analyse(data)
    assert result.verdict in ("dangereux", "douteux", "sans_danger")
    assert time.monotonic() - started < 3.0
    result.to_json()


def test_fuzz_random_bytes_never_raise() -> None:
    rng = random.Random(4)
    for size in (0, 1, 2, 10, 100, 1000, 10_000, 100_000):
        _check(bytes(rng.randrange(256) for _ in range(size)))
    _check(b"\x00" * 5000)
    _check(b"\n" * 5000)
    _check(b"From: " + "é".encode("utf-16") * 1000)


def test_fuzz_mutations_and_truncations_never_raise() -> None:
    rng = random.Random(7)
    for base in (PHISHING, COLLEAGUE):
        for cut in range(0, len(base), 37):
            _check(base[:cut])
        for _ in range(150):
            data = bytearray(base)
            for _ in range(rng.randrange(1, 20)):
                pos = rng.randrange(len(data))
                choice = rng.random()
                if choice < 0.4:
                    data[pos] = rng.randrange(256)
                elif choice < 0.7:
                    data[pos:pos] = rng.choice(
                        [
                            b"\n--b1\n",
                            b"=?utf-8?b?",
                            b"<a href=",
                            b"\r",
                            b"--",
                            b"Content-Type: message/rfc822\n\n",
                            b"boundary=",
                            b"\xff\xfe",
                        ]
                    )
                else:
                    del data[pos : pos + rng.randrange(1, 40)]
            _check(bytes(data))


def test_french_typography_of_the_texts() -> None:
    texts = [*SIGNALS.values(), *VERDICT_SUMMARIES.values()]
    for text in texts:
        assert not re.search(r"[ \w][:;!?]", text.replace("://", "")), text
        assert "'" not in text, text
        assert "« " not in text and " »" not in text, text
