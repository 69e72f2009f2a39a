"""Build Office documents with VBA macros for tests, without any third-party library.

A VBA project (MS-OVBA) is a compound file (MS-CFB, written by ``msgfile._build_cfb``) holding
a ``VBA`` storage (``_VBA_PROJECT``, the compressed ``dir`` stream that lists the modules, one
stream per module with its compressed source) and a ``PROJECT`` text stream:

* :func:`ovba_compress` writes a valid MS-OVBA compressed container: full 4096-byte chunks
  stored raw (CompressedChunkFlag 0), the last one as literal tokens only (a flag byte 0 then
  up to eight literal bytes), which the decompression algorithm of MS-OVBA 2.4.1.3.1 reads;
* :func:`vba_project` lays out ``vbaProject.bin`` (the ``dir`` stream's records in the order of
  MS-OVBA 2.3.4.2: PROJECTINFORMATION, no references, PROJECTMODULES);
* :func:`docm`, :func:`docx` and :func:`word97` wrap it as Word documents: an Office Open XML
  package (a ZIP with ``[Content_Types].xml`` and ``word/vbaProject.bin``) or a Word 97 compound
  file (``WordDocument`` stream and the project under the ``Macros`` storage).

Deterministic: the same arguments always give the same bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile

from tests.auxil.msgfile import _build_cfb, _Node, _storage, _stream

__all__ = ["docm", "docx", "ovba_bomb", "ovba_compress", "vba_project", "word97"]

_CHUNK = 4096
_LITERAL_MAX = 3640  # decompressed bytes that fit a literal-only chunk of at most 4098 bytes


def ovba_compress(data: bytes) -> bytes:
    """An MS-OVBA CompressedContainer (2.4.1.1.1) holding ``data``."""
    out = bytearray(b"\x01")  # SignatureByte
    for piece in (data[i : i + _CHUNK] for i in range(0, len(data), _CHUNK)):
        if len(piece) == _CHUNK:
            # Raw chunk: CompressedChunkSize 4098 (stored as 4095), signature 0b011, flag 0.
            out += struct.pack("<H", 0x0FFF | 0x3000) + piece
            continue
        # A last piece too long for literals alone goes in two chunks (a reader decompresses
        # chunk after chunk; Office itself would use copy tokens).
        for part in (piece[:_LITERAL_MAX], piece[_LITERAL_MAX:]):
            if not part:
                continue
            body = bytearray()
            for start in range(0, len(part), 8):
                body += b"\x00" + part[start : start + 8]  # FlagByte 0: eight literal tokens
            size = 2 + len(body)  # CompressedChunkSize, header included
            out += struct.pack("<H", (size - 3) | 0x3000 | 0x8000) + body
    return bytes(out)


def ovba_bomb(chunks: int) -> bytes:
    """A CompressedContainer of ``chunks`` chunks of 6 bytes, each decompressing to 4096 "A"s
    (one literal, then one CopyToken of offset 1 and length 4095): a decompression bomb."""
    chunk = struct.pack("<H", (6 - 3) | 0x3000 | 0x8000) + b"\x02A" + struct.pack("<H", 4092)
    return b"\x01" + chunk * chunks


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _dir_stream(modules: list[tuple[str, bool]]) -> bytes:
    """The decompressed ``dir`` stream; ``modules``: (name, is a document module)."""
    name = b"VBAProject"
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows
    out += _record(0x0002, struct.pack("<I", 0x409))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", 0x409))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", 1252))  # PROJECTCODEPAGE
    out += _record(0x0004, name)  # PROJECTNAME
    out += _record(0x0005, b"") + _record(0x0040, b"")  # PROJECTDOCSTRING (+ Unicode)
    out += _record(0x0006, b"") + _record(0x003D, b"")  # PROJECTHELPFILEPATH
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION (Reserved 4, major, minor)
    out += _record(0x000C, b"") + _record(0x003C, b"")  # PROJECTCONSTANTS
    out += struct.pack("<HIH", 0x000F, 2, len(modules))  # PROJECTMODULES
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module, document in modules:
        raw = module.encode("cp1252")
        wide = module.encode("utf-16-le")
        out += _record(0x0019, raw)  # MODULENAME
        out += _record(0x0047, wide)  # MODULENAMEUNICODE
        out += _record(0x001A, raw) + _record(0x0032, wide)  # MODULESTREAMNAME (+ Unicode)
        out += _record(0x001C, b"") + _record(0x0048, b"")  # MODULEDOCSTRING (+ Unicode)
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: no performance cache
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += struct.pack("<HI", 0x0022 if document else 0x0021, 0)  # MODULETYPE
        out += struct.pack("<HI", 0x002B, 0)  # Terminator of the module
    out += struct.pack("<HI", 0x0010, 0)  # Terminator of the dir stream
    return bytes(out)


def _project_text(modules: list[tuple[str, bool]]) -> bytes:
    lines = ['ID="{00000000-0000-0000-0000-000000000000}"']
    for module, document in modules:
        lines.append(f"Document={module}/&H00000000" if document else f"Module={module}")
    lines += [
        'Name="VBAProject"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
    ]
    return "\r\n".join(lines).encode("cp1252")


def _project_nodes(modules: dict[str, str], compressed: dict[str, bytes]) -> list[_Node]:
    """The ``VBA`` storage and the ``PROJECT`` streams of a project with these modules
    (``compressed``: module streams given as they are stored)."""
    listed = [(name, name.startswith("This")) for name in modules]
    streams = [_stream("_VBA_PROJECT", b"\xcc\x61\xff\xff\x00\x00\x00")]
    streams.append(_stream("dir", ovba_compress(_dir_stream(listed))))
    for name, code in modules.items():
        header = f'Attribute VB_Name = "{name}"\r\n'
        stored = compressed.get(name) or ovba_compress((header + code).encode("cp1252"))
        streams.append(_stream(name, stored))
    wm = b"".join(n.encode("cp1252") + b"\0" + n.encode("utf-16-le") + b"\0\0" for n in modules)
    return [
        _storage("VBA", streams),
        _stream("PROJECT", _project_text(listed)),
        _stream("PROJECTwm", wm + b"\0\0"),
    ]


def vba_project(modules: dict[str, str], compressed: dict[str, bytes] | None = None) -> bytes:
    """``vbaProject.bin``: a compound file holding a VBA project with ``modules`` (name →
    source code; names starting with ``This`` are document modules, like ``ThisDocument``);
    ``compressed`` replaces a module's stream by the bytes given."""
    return _build_cfb(_storage("Root Entry", _project_nodes(modules, compressed or {})))


def _fib() -> bytes:
    """A Word 97 File Information Block start (wIdent 0xA5EC, nFib 193), zero-padded."""
    return struct.pack("<HH", 0xA5EC, 0x00C1) + bytes(1020)


def word97(modules: dict[str, str]) -> bytes:
    """A Word 97-2003 ``.doc`` compound file with a VBA project under ``Macros``."""
    children = [
        _stream("WordDocument", _fib()),
        _stream("1Table", bytes(512)),
        _storage("Macros", _project_nodes(modules, {})),
    ]
    return _build_cfb(_storage("Root Entry", children))


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '{bin}<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
)
_VBA_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/'
    'vbaProject" Target="vbaProject.bin"/></Relationships>'
)


def _package(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 15, 9, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    return buffer.getvalue()


def docm(modules: dict[str, str], *, project: bytes | None = None, text: str = "Facture") -> bytes:
    """A macro-enabled Word document (``.docm``) whose ``word/vbaProject.bin`` holds
    ``modules`` (or the bytes ``project``, e.g. a broken one)."""
    main = "application/vnd.ms-word.document.macroEnabled.main+xml"
    binary = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    return _package(
        {
            "[Content_Types].xml": _CONTENT_TYPES.format(bin=binary, main=main).encode(),
            "_rels/.rels": _ROOT_RELS.encode(),
            "word/document.xml": _DOCUMENT.format(text=text).encode(),
            "word/_rels/document.xml.rels": _VBA_RELS.encode(),
            "word/vbaProject.bin": vba_project(modules) if project is None else project,
        }
    )


def docx(text: str = "Compte rendu") -> bytes:
    """A Word document without macros (``.docx``)."""
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _package(
        {
            "[Content_Types].xml": _CONTENT_TYPES.format(bin="", main=main).encode(),
            "_rels/.rels": _ROOT_RELS.encode(),
            "word/document.xml": _DOCUMENT.format(text=text).encode(),
        }
    )
