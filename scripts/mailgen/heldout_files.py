"""Held-out set: the attachments (PDF, JPEG, PNG, zip, ISO image, shortcut, macro workbook and
document, OneNote section, calendar invitation)."""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from datetime import datetime
from functools import cache

from scripts.mailgen.heldout_mime import Person, stream

# --- Attachments -------------------------------------------------------------------------

ZIP_TIME = (2026, 5, 12, 9, 14, 20)


def zip_time(when: str = "") -> tuple[int, int, int, int, int, int]:
    """The entries' time: ``when`` ("2026-05-12 09:14:20") or the set's default."""
    if not when:
        return ZIP_TIME
    d = datetime.strptime(when, "%Y-%m-%d %H:%M:%S")
    return (d.year, d.month, d.day, d.hour, d.minute, d.second)


def pdf(
    lines: list[str],
    *,
    producer: str = "Microsoft® Word pour Microsoft 365",
    title: str = "",
    created: str = "20260512091500+02'00'",
    link: str = "",
    link_line: int = -1,
) -> bytes:
    """A small valid one-page PDF showing ``lines`` (Helvetica, WinAnsi); with ``link``, the
    line ``link_line`` (the last by default) is a clickable link to that URI."""

    def esc(s: str) -> bytes:
        raw = s.encode("cp1252", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    ops = [b"BT /F1 11 Tf 14 TL 60 780 Td"]
    for i, line in enumerate(lines):
        size = b"/F2 14 Tf " if i == 0 else (b"/F1 11 Tf " if i == 1 else b"")
        ops.append(size + b"(" + esc(line) + b") Tj T*")
    ops.append(b"ET")
    stream_data = zlib.compress(b"\n".join(ops), 9)
    info = (
        b"<< /Producer (" + esc(producer) + b") /Title (" + esc(title or lines[0]) + b")"
        b" /CreationDate (D:" + created.encode() + b") >>"
    )
    annots = b""
    if link:
        row = link_line % len(lines)
        y = 780 - 14 * row
        rect = f"[55 {y - 4} 540 {y + 12}]".encode()
        annots = b" /Annots [8 0 R]"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
        b"/Resources << /Font << /F1 4 0 R /F2 6 0 R >> >> /Contents 5 0 R" + annots + b" >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length "
        + str(len(stream_data)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream_data
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        info,
    ]
    if link:
        objects.append(
            b"<< /Type /Annot /Subtype /Link /Rect " + rect + b" /Border [0 0 0] "
            b"/A << /S /URI /URI (" + esc(link) + b") >> >>"
        )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(i).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R /Info 7 0 R >>\n"
        b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"
    )
    return bytes(out)


JPEG_CORE = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////"
    "////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)


def jpeg(seed: str, camera: str, size: int = 24_000, taken: str = "2026:11:09 14:22:33") -> bytes:
    """A JPEG-shaped photo: SOI, an APP1 block naming the camera, filler APP2 data, a 1x1 image."""
    exif = (
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"
        + camera.encode()
        + b"\x00"
        + taken.encode()
        + b"\x00"
    )
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    filler = b""
    remaining = size
    n = 0
    while remaining > 0:
        chunk = stream(f"{seed}/jpeg/{n}", min(remaining, 60_000))
        filler += b"\xff\xe2" + struct.pack(">H", len(chunk) + 2) + chunk
        remaining -= len(chunk)
        n += 1
    body = JPEG_CORE[2:]
    if not body.endswith(b"\xff\xd9"):
        body += b"\xff\xd9"
    return b"\xff\xd8" + app1 + filler + body


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + r for r in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def qr_like(seed: str, modules: int = 29, scale: int = 6) -> bytes:
    """A QR-code-shaped PNG (three finder patterns, modules from the seed; never decoded)."""
    bits = stream(f"{seed}/qr", modules * modules)
    grid = [[bits[y * modules + x] & 1 for x in range(modules)] for y in range(modules)]
    for ox, oy in ((0, 0), (modules - 7, 0), (0, modules - 7)):
        for y in range(7):
            for x in range(7):
                edge = x in (0, 6) or y in (0, 6)
                core = 2 <= x <= 4 and 2 <= y <= 4
                grid[oy + y][ox + x] = 1 if edge or core else 0
        for i in range(-1, 8):
            for x, y in ((ox + i, oy - 1), (ox + i, oy + 7), (ox - 1, oy + i), (ox + 7, oy + i)):
                if 0 <= x < modules and 0 <= y < modules:
                    grid[y][x] = 0
    quiet = 4
    size = (modules + 2 * quiet) * scale
    rows = []
    for py in range(size):
        my = py // scale - quiet
        row = bytearray()
        for px in range(size):
            mx = px // scale - quiet
            dark = 0 <= mx < modules and 0 <= my < modules and grid[my][mx]
            row.append(0 if dark else 255)
        rows.append(bytes(row))
    return png(size, size, rows)


def zip_stored(files: list[tuple[str, bytes]], when: str = "") -> bytes:
    """A zip (stored) with fixed timestamps (``when``, or the set's default)."""
    buf = io.BytesIO()
    stamp = zip_time(when)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zf.writestr(info, data)
    return buf.getvalue()


@cache
def crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        table.append(c)
    return table


def zip_encrypted(
    files: list[tuple[str, bytes]], password: str, seed: str, when: str = ""
) -> bytes:
    """A zip whose entries are encrypted with the traditional PKWARE cipher (ZipCrypto)."""
    zt = zip_time(when)

    def crc_byte(crc: int, b: int) -> int:
        return (crc >> 8) ^ crc_table()[(crc ^ b) & 0xFF]

    dos_time = (zt[3] << 11) | (zt[4] << 5) | (zt[5] // 2)
    dos_date = ((zt[0] - 1980) << 9) | (zt[1] << 5) | zt[2]
    out = bytearray()
    central = bytearray()
    for index, (name, data) in enumerate(files):
        keys = [0x12345678, 0x23456789, 0x34567890]

        def update(b: int, keys: list[int] = keys) -> None:
            keys[0] = crc_byte(keys[0], b)
            keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
            keys[2] = crc_byte(keys[2], keys[1] >> 24)

        def cipher(b: int, keys: list[int] = keys) -> int:
            t = (keys[2] | 2) & 0xFFFF
            c = b ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            update(b)
            return c

        for ch in password.encode():
            update(ch)
        crc = zlib.crc32(data) & 0xFFFFFFFF
        header = stream(f"{seed}/zipcrypto/{index}", 11) + bytes([crc >> 24])
        encrypted = bytes(cipher(b) for b in header + data)
        fname = name.encode("cp437")
        local = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0x0001,
            0,
            dos_time,
            dos_date,
            crc,
            len(encrypted),
            len(data),
            len(fname),
            0,
        )
        offset = len(out)
        out += local + fname + encrypted
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x0001,
                0,
                dos_time,
                dos_date,
                crc,
                len(encrypted),
                len(data),
                len(fname),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
            + fname
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(files), len(files), len(central), len(out), 0
    )
    return bytes(out + central + end)


EXE_STUB = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 43
    + b"\x80\x00\x00\x00\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 7
    + b"PE\x00\x00\x4c\x01\x03\x00"
    + b"\x00" * 120
)


def iso_image(
    volume: str,
    filename: str,
    payload: bytes,
    when: str = "",
    files: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """An ISO 9660-shaped image (also the shape of .img disk images): 16 empty sectors, a
    primary volume descriptor, the terminator, a root directory with one record per file
    (``filename`` and ``payload``, then ``files``) and the files' data."""
    sector = 2048
    pvd = bytearray(sector)
    pvd[0:8] = b"\x01CD001\x01\x00"
    pvd[8:40] = b"WIN32".ljust(32)
    pvd[40:72] = volume.encode().ljust(32)
    pvd[80:88] = struct.pack("<I", 20) + struct.pack(">I", 20)
    term = bytearray(sector)
    term[0:7] = b"\xffCD001\x01"
    zt = zip_time(when)
    entries = [(filename, payload), *(files or [])]
    records = b""
    data = b""
    lba = 19
    for name, content in entries:
        ident = name.upper().encode() + b";1"
        record = bytearray(33 + len(ident) + (len(ident) + 1) % 2)
        record[0] = len(record)
        record[2:10] = struct.pack("<I", lba) + struct.pack(">I", lba)
        record[10:18] = struct.pack("<I", len(content)) + struct.pack(">I", len(content))
        record[18:25] = bytes([zt[0] - 1900, *zt[1:], 4])
        record[32] = len(ident)
        record[33 : 33 + len(ident)] = ident
        records += bytes(record)
        padded = content.ljust(((len(content) + sector - 1) // sector) * sector, b"\x00")
        data += padded
        lba += max(1, len(padded) // sector)
    root = records.ljust(sector, b"\x00")
    return b"\x00" * (16 * sector) + bytes(pvd) + bytes(term) + root + data


def ics(
    *,
    prodid: str,
    uid: str,
    stamp: str,
    start: str,
    end: str,
    summary: str,
    organizer: Person,
    attendees: list[Person],
    location: str,
    description: str = "",
) -> str:
    """A METHOD:REQUEST invitation (times in Europe/Paris)."""

    def fold_ics(line: str) -> str:
        raw = line.encode()
        if len(raw) <= 74:
            return line
        out, cur = [], ""
        for ch in line:
            if len((cur + ch).encode()) > 73:
                out.append(cur)
                cur = ch
            else:
                cur += ch
        out.append(cur)
        return "\r\n ".join(out)

    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{prodid}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"DTSTART;TZID=Europe/Paris:{start}",
        f"DTEND;TZID=Europe/Paris:{end}",
        f"DTSTAMP:{stamp}",
        f"ORGANIZER;CN={organizer.name}:mailto:{organizer.email}",
        f"UID:{uid}",
    ]
    for a in attendees:
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN={a.name};X-NUM-GUESTS=0:mailto:{a.email}"
        )
    if description:
        lines.append(
            "DESCRIPTION:"
            + description.replace("\\", "\\\\")
            .replace(",", "\\,")
            .replace(";", "\\;")
            .replace("\n", "\\n")
        )
    lines += [
        "LOCATION:" + location.replace(",", "\\,"),
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        "SUMMARY:" + summary.replace(",", "\\,"),
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(fold_ics(line) for line in lines) + "\r\n"


def lnk(target: str, arguments: str, icon: str, name: str = "") -> bytes:
    """A Windows shortcut (MS-SHLLINK): header, then the name, relative path, arguments and
    icon strings (UTF-16); no target ID list, so Windows shows it but it is never resolved."""
    flags = 0x04 | 0x08 | 0x20 | 0x40 | 0x80  # name, relative path, arguments, icon, unicode
    header = struct.pack(
        "<I16sII8s8s8sIIIHHII",
        0x4C,
        bytes.fromhex("0114020000000000c000000000000046"),
        flags,
        0x20,  # FILE_ATTRIBUTE_ARCHIVE
        b"\x00" * 8,
        b"\x00" * 8,
        b"\x00" * 8,
        0,
        0,
        7,  # SW_SHOWMINNOACTIVE
        0,
        0,
        0,
        0,
    )

    def string(value: str) -> bytes:
        return struct.pack("<H", len(value)) + value.encode("utf-16-le")

    body = string(name or "Document") + string(target) + string(arguments) + string(icon)
    return header + body + b"\x00\x00\x00\x00"


def vba_project(seed: str, module: str) -> bytes:
    """A vbaProject.bin-shaped block: the compound-file signature, filler derived from
    ``seed`` and the module's source in clear (real projects compress it)."""
    return (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\x00" * 16
        + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
        + stream(f"{seed}/vba", 1500)
        + module.encode("cp1252", "replace")
        + stream(f"{seed}/vba2", 500)
    )


def xlsm(seed: str, cells: list[str], module: str) -> bytes:
    """A macro-enabled workbook (.xlsm): a zip holding the parts Excel needs, a sheet showing
    ``cells`` (one a row) and ``xl/vbaProject.bin``."""

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{esc(c)}</t></is></c></row>'
        for i, c in enumerate(cells, start=1)
    )
    ns = "http://schemas.openxmlformats.org"
    parts = [
        (
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        ),
        (
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        ),
        (
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
            '<sheets><sheet name="Facture" sheetId="1" r:id="rId1"/></sheets></workbook>',
        ),
        (
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
            "</Relationships>",
        ),
        (
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>',
        ),
    ]
    files = [(name, text.encode()) for name, text in parts]
    files.append(("xl/vbaProject.bin", vba_project(seed, module)))
    return zip_stored(files)


def docm(seed: str, paragraphs: list[str], module: str) -> bytes:
    """A macro-enabled Word document (.docm): a zip holding the parts Word needs, a body
    showing ``paragraphs`` and ``word/vbaProject.bin``."""

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    ns = "http://schemas.openxmlformats.org"
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{esc(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    parts = [
        (
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
            "</Types>",
        ),
        (
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        ),
        (
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{ns}/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        ),
        (
            "word/_rels/document.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
            "</Relationships>",
        ),
    ]
    files = [(name, text.encode()) for name, text in parts]
    files.append(("word/vbaProject.bin", vba_project(seed, module)))
    return zip_stored(files)


# OneNote section files start with this GUID; embedded files are FileDataStoreObjects.
ONENOTE_SECTION = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
ONENOTE_FILE_DATA = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")


def onenote(seed: str, lines: list[str], embedded_name: str, embedded: bytes) -> bytes:
    """A OneNote section (.one)-shaped file: the section header GUID, filler derived from
    ``seed``, the page's text (UTF-16) and an embedded file (a FileDataStoreObject with its
    name), as the lures that hide a script behind a "double-click to view" button."""
    name = embedded_name.encode("utf-16-le")
    return (
        ONENOTE_SECTION
        + stream(f"{seed}/one", 1024 - len(ONENOTE_SECTION))
        + "\n".join(lines).encode("utf-16-le")
        + stream(f"{seed}/one2", 400)
        + struct.pack("<I", len(name))
        + name
        + ONENOTE_FILE_DATA
        + struct.pack("<Q", len(embedded))
        + b"\x00" * 12
        + embedded
        + stream(f"{seed}/one3", 300)
    )
