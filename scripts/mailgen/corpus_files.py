"""Tuning corpus: inert attachment stubs (first bytes of real files) and zip archives."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable


# --- attachments (inert stubs with realistic first bytes) ---------------------------------
def pdf(title: str) -> bytes:
    """A minimal valid one-page PDF showing ``title`` (ASCII)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pe_stub(tag: str) -> bytes:
    """The first bytes of a Windows executable (MZ header, DOS stub, PE signature)."""
    head = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    head += b"\xb8" + b"\x00" * 7 + b"\x40" + b"\x00" * 35
    head += (0x80).to_bytes(4, "little")
    head += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    head += b"This program cannot be run in DOS mode.\r\r\n$"
    head = head.ljust(0x80, b"\x00")
    head += b"PE\x00\x00\x64\x86\x03\x00"
    head += b"\x00" * 16 + b"inert corpus stub " + tag.encode()
    return bytes(head.ljust(1024, b"\x00"))


def script_stub(tag: str) -> bytes:
    return (
        f"// {tag}\r\n// Fichier de test inerte du corpus Vigie.\r\n"
        'WScript.Echo("corpus de test");\r\n'
    ).encode()


def ole_macro_stub() -> bytes:
    """The first bytes of an old Office document holding a VBA project."""
    head = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16)
    head += b"\x3e\x00\x03\x00\xfe\xff\x09\x00\x06\x00"
    head = head.ljust(512, b"\x00")
    head += "Macros".encode("utf-16-le") + b"\x00" * 10
    head += "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 10
    head += b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\nEnd Sub\r\n'
    return bytes(head.ljust(2048, b"\x00"))


ZIP_DATE = (2026, 2, 27, 10, 12, 0)


def make_zip(entries: Iterable[tuple[str, bytes]], compress: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def docm(title: str) -> bytes:
    """An Office Open XML Word document with a VBA project (macro-enabled)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
        'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
        f"{title} — activez le contenu pour afficher le document"
        "</w:t></w:r></w:p></w:body></w:document>"
    )
    return make_zip(
        [
            ("[Content_Types].xml", content_types.encode()),
            ("word/document.xml", document.encode()),
            ("word/vbaProject.bin", ole_macro_stub()),
        ]
    )


def iso_stub() -> bytes:
    """An ISO 9660 image: the primary volume descriptor at sector 16 ("CD001")."""
    data = bytearray(32768)
    data += b"\x01CD001\x01\x00" + b"LINUX".ljust(32) + b"FACTURE_2026".ljust(32)
    return bytes(data.ljust(34816, b"\x00"))


def img_stub() -> bytes:
    """A raw disk image: a FAT boot sector with its 0x55AA signature."""
    sector = bytearray(b"\xeb\x3c\x90MSDOS5.0\x00\x02\x08\x01\x00\x02\x00\x02")
    sector = sector.ljust(0x36, b"\x00") + b"FAT12   "
    sector = sector.ljust(510, b"\x00") + b"\x55\xaa"
    return bytes(sector.ljust(4096, b"\x00"))


def lnk_stub(target: str) -> bytes:
    """A Windows shortcut: header size 0x4C and the ShellLink CLSID."""
    head = bytearray(b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00")
    head += b"\x00\x00\x00\x46\x9b\x00\x08\x00\x20\x00\x00\x00"
    head = head.ljust(76, b"\x00")
    head += target.encode("utf-16-le")
    return bytes(head.ljust(512, b"\x00"))


def rar_stub() -> bytes:
    return (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 56).ljust(256, b"\x00")


def ics(summary: str, start: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//FR\r\n"
        "METHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"DTSTART;TZID=Europe/Paris:{start}\r\nSUMMARY:{summary}\r\n"
        "UID:vigie-corpus-" + hashlib.sha256(summary.encode()).hexdigest()[:16] + "\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def png_pixel() -> bytes:
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    )
