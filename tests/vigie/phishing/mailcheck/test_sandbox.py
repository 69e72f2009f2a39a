"""Analyses in capped child processes: the same verdicts, a memory floor on the hostile corpus,
and a « douteux » when a child runs out of time or memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import make_email_corpus as corpus
from tests.vigie.phishing.mailcheck.test_corpus import GENERATED, HOSTILE
from vigie.phishing.mailcheck import Limits, analyse, trusted_domains
from vigie.phishing.mailcheck.sandbox import OVERLOAD_REASON, Sandbox

TRUSTED = trusted_domains(corpus.TRUSTED_EXTRA)
PEAK_FLOOR_KB = 150 * 1024  # the floor: an analysis peaks under 150 MB
EMAILS = Path(__file__).resolve().parents[3] / "data" / "emails"


async def test_the_child_gives_the_verdict_the_analyser_gives() -> None:
    sandbox = Sandbox(workers=2)
    for path in sorted((EMAILS / "phishing").glob("*.eml"))[:6]:
        data = path.read_bytes()
        result = await sandbox.analyse(data, trusted=TRUSTED, limits=Limits())
        direct = analyse(data, trusted=TRUSTED)
        assert result.completed
        assert (result.analysis.verdict, result.analysis.score) == (direct.verdict, direct.score)
        assert result.analysis.reasons == direct.reasons
    text = "De : Ameli <a@ameli-remboursement.com>\nObjet : Remboursement\n\nCliquez ici"
    pasted = await sandbox.analyse_text(text, trusted=TRUSTED, limits=Limits())
    assert pasted.completed and pasted.analysis.verdict != "sans_danger"


async def test_every_hostile_file_peaks_under_150_mb() -> None:
    sandbox = Sandbox(workers=2)
    peaks: dict[str, int] = {}
    for path in HOSTILE:
        result = await sandbox.analyse(path.read_bytes(), trusted=TRUSTED, limits=Limits())
        assert result.completed, path.name
        peaks[path.name] = result.peak_rss_kb
    for name, (build, _) in GENERATED.items():
        result = await sandbox.analyse(build(), trusted=TRUSTED, limits=Limits())
        assert result.completed, name
        peaks[name] = result.peak_rss_kb
    worst = max(peaks, key=lambda name: peaks[name])
    assert peaks[worst] <= PEAK_FLOOR_KB, f"{worst}: {peaks[worst] / 1024:.0f} MB"


async def test_a_child_past_its_time_is_killed_and_the_mail_is_suspect() -> None:
    sandbox = Sandbox(workers=1, timeout_seconds=0.05)
    data = corpus.many_parts(50_000)  # about 2 s of parsing on this machine
    result = await sandbox.analyse(data, trusted=TRUSTED, limits=Limits(max_seconds=30))
    assert not result.completed
    assert result.analysis.verdict == "douteux"
    assert result.analysis.reasons == [OVERLOAD_REASON] and result.analysis.truncated


@pytest.mark.parametrize("memory_mb", [40])
async def test_a_child_out_of_memory_gives_a_suspect_verdict(memory_mb: int) -> None:
    sandbox = Sandbox(workers=1, memory_mb=memory_mb)
    data = corpus.big_message(9 * 1024 * 1024)
    result = await sandbox.analyse(data, trusted=TRUSTED, limits=Limits())
    assert result.analysis.verdict in ("douteux", "dangereux")
    assert result.analysis.truncated
