"""Parsing an .eml within limits: headers, text, links, attachments, ZIP central directory."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from email.message import EmailMessage

from vigie.phishing.mailcheck.limits import Limits
from vigie.phishing.mailcheck.parse import detect_magic, html_text_and_links, parse_eml, zip_entries


def _message(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("from_", "Alice Martin <alice@exemple.fr>")
    msg["To"] = "accueil@ehpad.fr"
    msg["Subject"] = headers.pop("subject", "Bonjour")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def test_headers_text_and_links_are_read() -> None:
    msg = _message(
        from_="=?utf-8?q?Assurance_Maladie?= <info@exemple.com>",
        subject="=?utf-8?q?Votre_dossier_n=C2=B012?=",
        Reply_To="autre@ailleurs.net",
        Authentication_Results="mx.ehpad.fr; spf=fail smtp.mailfrom=exemple.com; dmarc=fail",
    )
    msg["Received"] = "from a by b"
    msg["Received"] = "from c by d"
    msg["Return-Path"] = "<bounce@envoi.exemple.com>"
    msg.set_content("Voir https://exemple.com/a?b=1, merci.")
    msg.add_alternative(
        "<p>Bonjour</p><a href='https://pirate.example/x'>https://www.ameli.fr</a>"
        "<script>document.write('<a href=\"https://cache.example\">x</a>')</script>",
        subtype="html",
    )
    mail = parse_eml(msg.as_bytes())
    assert mail.from_display == "Assurance Maladie"
    assert mail.from_address == "info@exemple.com"
    assert mail.reply_to == ["autre@ailleurs.net"]
    assert mail.return_path == "bounce@envoi.exemple.com"
    assert mail.subject == "Votre dossier n°12"
    assert mail.received == 2
    assert "spf=fail" in mail.authentication_results[0]
    assert "Bonjour" in mail.text and "document.write" not in mail.text
    hrefs = [(link.href, link.text, link.from_html) for link in mail.links]
    assert ("https://exemple.com/a?b=1", "", False) in hrefs
    assert ("https://pirate.example/x", "https://www.ameli.fr", True) in hrefs
    assert not any("cache.example" in href for href, _, _ in hrefs)  # script content ignored
    assert mail.scripts == 1
    assert not mail.truncated


def test_malformed_from_is_recorded_not_raised() -> None:
    for raw in (b"From: <<<@@@>>>\n\nx", b"From: \n\nx", b"From: a@b.fr, c@d.fr\n\nx"):
        mail = parse_eml(raw)
        assert mail.defects, raw


def test_folded_address_headers_are_unfolded() -> None:
    # Long display names are folded onto a second line (Outlook, Python's own generator).
    raw = (
        b"From: =?utf-8?q?R=C3=A9seau_Vall=C3=A9e_=28Google_Agenda=29?=\r\n"
        b" <calendar-notification@google.com>\r\n"
        b"Reply-To: Coordination\r\n\t<coordination@example.org>\r\n\r\nx"
    )
    mail = parse_eml(raw)
    assert mail.from_address == "calendar-notification@google.com"
    assert mail.from_display == "Réseau Vallée (Google Agenda)"
    assert mail.reply_to == ["coordination@example.org"]
    assert not mail.defects


def test_attachments_are_described_never_opened() -> None:
    msg = _message()
    msg.set_content("Ci-joint.")
    msg.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 60, maintype="application", subtype="pdf", filename="facture.pdf"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lisez-moi.txt", "x")
        archive.writestr("facture.js", "WScript.Echo(1)")
    msg.add_attachment(buffer.getvalue(), maintype="application", subtype="zip", filename="f.zip")
    mail = parse_eml(msg.as_bytes())
    first, second = mail.attachments
    assert (first.filename, first.magic, first.declared_type) == (
        "facture.pdf",
        "pe",
        "application/pdf",
    )
    assert len(first.sha256) == 64 and first.size == 64
    assert second.magic == "zip" and second.zip_entries == ["lisez-moi.txt", "facture.js"]


def test_magic_numbers() -> None:
    assert detect_magic(b"%PDF-1.7") == "pdf"
    assert detect_magic(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest") == "ole"
    assert detect_magic(b"Rar!\x1a\x07\x00") == "rar"
    assert detect_magic(b"L\x00\x00\x00\x01\x14\x02\x00") == "lnk"
    assert detect_magic(b"\xef\xbb\xbf  <!DOCTYPE html><html>") == "html"
    assert detect_magic(b"\x00" * 0x8001 + b"CD001" + b"\x00" * 10) == "iso"
    assert detect_magic(b"hello") == ""


def test_zip_bomb_is_listed_not_extracted() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\x00" * (50 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200_000
    started = time.monotonic()
    result = zip_entries(data, Limits())
    assert result == (["zeros.bin"], False, False)
    assert time.monotonic() - started < 0.5


def test_zip_central_directory_is_bounded() -> None:
    entry = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 1, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0
    )
    directory = (entry + b"a.exe") * 5000
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 5000, 5000, len(directory), 0, 0)
    result = zip_entries(directory + eocd, Limits(max_zip_entries=100))
    assert result is not None
    names, encrypted, truncated = result
    assert len(names) == 100 and names[0] == "a.exe"
    assert encrypted and truncated  # flag bit 0 set in every entry
    names, _, _ = zip_entries(directory + eocd, Limits(max_zip_central_dir_bytes=510)) or ([], 0, 0)
    assert len(names) == 10  # 51 bytes per entry
    assert zip_entries(b"PK\x05\x06" + b"\xff" * 18, Limits()) in (None, ([], False, True))


def _nested(depth: int) -> bytes:
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth)
    )
    closing = b"".join(b"\n--b%d--\n" % i for i in reversed(range(depth)))
    return (
        b"From: a@exemple.fr\nMIME-Version: 1.0\n"
        + opening
        + b"Content-Type: text/plain\n\nfond\n"
        + closing
    )


def test_depth_limit() -> None:
    shallow = parse_eml(_nested(5))
    assert "fond" in shallow.text and not shallow.truncated
    deep = parse_eml(_nested(30))
    assert "too_deep" in deep.defects and deep.truncated and "fond" not in deep.text


def _many_parts(count: int) -> bytes:
    parts = b"".join(b"--x\nContent-Type: text/plain\n\npartie %d\n" % i for i in range(count))
    return (
        b'From: a@exemple.fr\nContent-Type: multipart/mixed; boundary="x"\n\n' + parts + b"--x--\n"
    )


def test_parts_limit() -> None:
    assert not parse_eml(_many_parts(50)).truncated
    mail = parse_eml(_many_parts(300))
    assert "too_many_parts" in mail.defects and mail.truncated
    started = time.monotonic()
    mail = parse_eml(_many_parts(50_000))
    assert "too_many_parts" in mail.defects
    assert time.monotonic() - started < 2.0


def test_header_size_limit() -> None:
    data = b"From: a@exemple.fr\nSubject: x\n" + b"X-Pad: " + b"a" * 200_000 + b"\n\ncorps"
    mail = parse_eml(data)
    assert "headers_truncated" in mail.defects and mail.truncated
    assert mail.from_address == "a@exemple.fr"


def test_text_limit() -> None:
    data = b"From: a@exemple.fr\n\n" + b"mot " * 100_000
    mail = parse_eml(data, Limits(max_text_chars=1000))
    assert len(mail.text) <= 1000 and "text_truncated" in mail.defects


def test_oversized_file_reads_headers_only() -> None:
    data = b"From: Ameli <a@pirate.example>\nSubject: x\n\n" + b"a" * 5000
    mail = parse_eml(data, Limits(max_bytes=1000))
    assert mail.oversized and mail.truncated and "too_large" in mail.defects
    assert mail.from_address == "a@pirate.example" and mail.text == ""


def test_time_budget_stops_parsing() -> None:
    mail = parse_eml(_many_parts(100), Limits(max_seconds=0.0))
    assert mail.truncated and "time_budget" in mail.defects


def test_pathological_html_stays_fast() -> None:
    for html in (
        "<a" * 200_000,
        "</" * 200_000,
        "<?" * 200_000,
        "<![CDATA[>" * 40_000,
        "<!--" * 100_000,
    ):
        started = time.monotonic()
        html_text_and_links(html, 100)
        assert time.monotonic() - started < 1.0, html[:10]


def test_forwarded_as_attachment_judges_the_inner_message() -> None:
    inner = _message(from_="Microsoft 365 <alerte@m365-securite.com>", subject="Mot de passe")
    inner.set_content("Votre mot de passe expire.")
    outer = _message(from_="Julie <julie@ehpad.fr>", subject="TR: Mot de passe")
    outer.set_content("Regarde ce mail.")
    outer.add_attachment(inner)
    mail = parse_eml(outer.as_bytes())
    assert mail.forwarded
    assert mail.from_address == "alerte@m365-securite.com"
    assert "mot de passe expire" in mail.text
