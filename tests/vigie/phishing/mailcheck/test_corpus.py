"""The e-mail corpus (tests/data/emails) and the analyser's figures and limits on it.

- the committed corpus is exactly what ``scripts/make_email_corpus.py`` generates;
- the floors of the issue on the labelled corpus (``scripts/eval_mail.py`` computes them);
- every hostile file, committed or built here (the large ones), is analysed within the
  limits: no exception, a verdict, the time budget kept, nothing fetched from the network.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scripts import make_email_corpus as corpus
from scripts.eval_mail import (
    LEGIT_DANGER_CEILING,
    PHISHING_FLOOR,
    MailEval,
    evaluate,
    format_report,
)
from vigie.phishing.mailcheck import Analysis, Limits, analyse, trusted_domains

EMAILS = corpus.OUT
LIMITS = Limits()
# The budget is checked between steps: allow one step's overrun and a slow CI machine.
WALL_BUDGET_S = LIMITS.max_seconds + 1.0
VERDICTS = {"dangereux", "douteux", "sans_danger"}
HOSTILE = sorted((EMAILS / "hostile").glob("*.eml"))
# Committed hostile files that exceed a limit: their analysis must say it was cut short.
OVER_LIMITS = {
    "deep_nesting_50.eml",
    "deep_nesting_400.eml",
    "many_parts_5000.eml",
    "nested_rfc822_30.eml",
}


def test_committed_corpus_matches_the_generator(capsys: pytest.CaptureFixture[str]) -> None:
    assert corpus.main(["--check"]) == 0, capsys.readouterr().err


def test_corpus_counts() -> None:
    assert len(list((EMAILS / "phishing").glob("*.eml"))) >= 40
    assert len(list((EMAILS / "legit").glob("*.eml"))) >= 40
    assert len(HOSTILE) >= 20
    assert (EMAILS / "README.md").is_file()


def test_generation_is_deterministic(tmp_path: Path) -> None:
    assert corpus.main(["--out", str(tmp_path)]) == 0
    assert corpus.main(["--out", str(tmp_path), "--check"]) == 0
    first = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.eml")}
    assert first == {
        Path(name): data for name, data in corpus.corpus().items() if name.endswith(".eml")
    }


@pytest.fixture(scope="module")
def evaluation() -> MailEval:
    return evaluate(EMAILS, big=False)


def test_phishing_floor(evaluation: MailEval) -> None:
    assert evaluation.phishing_detected >= PHISHING_FLOOR, format_report(evaluation)


def test_legit_dangerous_ceiling(evaluation: MailEval) -> None:
    assert evaluation.legit_dangerous <= LEGIT_DANGER_CEILING, format_report(evaluation)


def test_report_prints_both_figures_and_the_confusions(evaluation: MailEval) -> None:
    report = format_report(evaluation)
    assert "Hameçonnages signalés" in report
    assert "Légitimes jugés dangereux" in report
    assert "sans_danger" in report and "p95=" in report


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record any attempt to resolve a name or open a connection during the test."""
    attempts: list[str] = []

    def refuse(what: str) -> Callable[..., object]:
        def blocked(*args: object, **kwargs: object) -> object:
            attempts.append(f"{what}{args[:2]!r}")
            raise OSError("network access is forbidden in the analyser")

        return blocked

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    yield attempts


def check_within_limits(data: bytes, attempts: list[str]) -> Analysis:
    start = time.perf_counter()
    analysis = analyse(data, trusted=trusted_domains(corpus.TRUSTED_EXTRA), limits=LIMITS)
    wall = time.perf_counter() - start
    assert analysis.verdict in VERDICTS
    assert wall <= WALL_BUDGET_S, f"{wall:.2f} s"
    assert analysis.elapsed_ms <= WALL_BUDGET_S * 1000
    payload = analysis.to_json()
    assert {"verdict", "score", "reasons", "indicators"} <= payload.keys()
    json.dumps(payload, ensure_ascii=False)
    assert attempts == []
    return analysis


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_file_is_handled_within_limits(path: Path, no_network: list[str]) -> None:
    analysis = check_within_limits(path.read_bytes(), no_network)
    if path.name in OVER_LIMITS:
        assert analysis.truncated


def big_line(size: int = 1_500_000) -> bytes:
    head = corpus.hostile_head("big_line", "Une seule ligne")
    return (head + "Content-Type: text/plain\n\n").encode() + b"motdepasse " * (size // 11)


def many_zip_entries() -> bytes:
    return corpus.with_attachment(
        "zip_many_entries", "Archive", "archive.zip", "application/zip", corpus.zip_many_entries()
    )


GENERATED: dict[str, tuple[Callable[[], bytes], bool]] = {
    # name: (builder, exceeds a limit, so the analysis must say it was cut short)
    "deep_nesting_3000": (lambda: corpus.deep_nesting(3000), True),
    "many_parts_50000": (lambda: corpus.many_parts(50_000), True),
    "huge_headers_200KB": (lambda: corpus.huge_headers(200_000), True),
    "message_11MB": (lambda: corpus.big_message(11 * 1024 * 1024), True),
    "message_9MB": (lambda: corpus.big_message(9 * 1024 * 1024), False),
    "zip_20000_entries": (many_zip_entries, True),  # the listing stops: the rest is unknown
    "line_1_5MB": (big_line, True),
}


@pytest.mark.parametrize("name", list(GENERATED))
def test_large_hostile_message_is_handled_within_limits(name: str, no_network: list[str]) -> None:
    build, over_limit = GENERATED[name]
    data = build()
    analysis = check_within_limits(data, no_network)
    if over_limit:
        assert analysis.truncated
