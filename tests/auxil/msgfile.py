"""Build Outlook ``.msg`` files for tests, without any third-party library.

An Outlook message file is a set of MAPI properties (MS-OXMSG) stored in a
Compound File Binary container (MS-CFB, the "OLE2 structured storage" format).
This module writes both layers from scratch so that tests can create realistic
e-mail fixtures on the fly:

* :func:`build_msg` lays out the message as MS-OXMSG describes it: Unicode
  string properties (``PT_UNICODE``, 0x001F, UTF-16-LE) and binary properties in
  ``__substg1.0_XXXXYYYY`` streams, fixed-size properties and the sizes of the
  variable-length ones in ``__properties_version1.0`` streams, one
  ``__recip_version1.0_#N`` storage per recipient, one
  ``__attach_version1.0_#N`` storage per attachment (``afByValue``) and an
  empty ``__nameid_version1.0`` named-property mapping.
* :func:`_build_cfb` serialises a tree of storages and streams as a version 3
  compound file: 512-byte sectors, a FAT (with DIFAT sectors when more than 109
  FAT sectors are needed), a mini stream with its mini FAT for the streams
  under 4096 bytes, and a directory whose sibling trees are balanced,
  correctly coloured red-black trees ordered by the CFB name comparison rule.

The output is deterministic: the same arguments always give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import struct
from dataclasses import dataclass, field
from email.parser import HeaderParser
from email.utils import getaddresses

__all__ = ["build_msg"]

# ---------------------------------------------------------------------------
# MS-CFB: compound file container
# ---------------------------------------------------------------------------

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_SECTOR_SIZE = 512
_MINI_SECTOR_SIZE = 64
_MINI_STREAM_CUTOFF = 4096
_IDS_PER_SECTOR = _SECTOR_SIZE // 4  # 128 sector numbers per FAT sector
_HEADER_DIFAT_ENTRIES = 109
_DIR_ENTRY_SIZE = 128
_ENTRIES_PER_DIR_SECTOR = _SECTOR_SIZE // _DIR_ENTRY_SIZE

_DIFSECT = 0xFFFFFFFC
_FATSECT = 0xFFFFFFFD
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF

_TYPE_STORAGE = 1
_TYPE_STREAM = 2
_TYPE_ROOT = 5
_RED = 0
_BLACK = 1

_DIR_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")

# CLSID of an Outlook message stored as a compound file (CLSID_MailMessage).
_CLSID_MESSAGE = bytes.fromhex("0B0D020000000000C000000000000046")


@dataclass
class _Node:
    """A storage (``data is None``) or a stream of the compound file tree."""

    name: str
    data: bytes | None = None
    children: list[_Node] = field(default_factory=list)
    clsid: bytes = bytes(16)

    @property
    def is_storage(self) -> bool:
        """Whether the node is a storage rather than a stream."""
        return self.data is None


def _stream(name: str, data: bytes) -> _Node:
    """Return a stream node."""
    return _Node(name, data)


def _storage(name: str, children: list[_Node], clsid: bytes = bytes(16)) -> _Node:
    """Return a storage node."""
    return _Node(name, None, children, clsid)


def _cfb_upper(char: str) -> str:
    """Upper-case one character the way CFB name comparison does (1:1 map)."""
    upper = char.upper()
    return upper if len(upper) == 1 else char


def _cfb_sort_key(name: str) -> tuple[int, list[int]]:
    """Sort key of a directory entry name among its siblings (MS-CFB 2.6.4).

    Shorter names come first; names of equal length compare as sequences of
    upper-cased UTF-16 code units.
    """
    encoded = "".join(_cfb_upper(c) for c in name).encode("utf-16-le")
    units = list(struct.unpack(f"<{len(encoded) // 2}H", encoded))
    return (len(units), units)


def _sectors_for(size: int, unit: int) -> int:
    """Number of ``unit``-byte sectors needed to hold ``size`` bytes."""
    return -(-size // unit)


def _pad(data: bytes, unit: int) -> bytes:
    """Pad ``data`` with zero bytes up to a multiple of ``unit``."""
    return data + bytes(-len(data) % unit)


@dataclass
class _DirEntry:
    """A directory entry being prepared for serialisation."""

    node: _Node
    entry_type: int
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN
    size: int = 0

    def pack(self) -> bytes:
        """Serialise the entry into its 128-byte on-disk form."""
        name = self.node.name.encode("utf-16-le")
        if len(name) > 62:
            raise ValueError(f"CFB entry name too long: {self.node.name!r}")
        return _DIR_ENTRY.pack(
            name + bytes(64 - len(name)),
            len(name) + 2,  # byte length including the null terminator
            self.entry_type,
            self.color,
            self.left,
            self.right,
            self.child,
            self.node.clsid,
            0,  # state bits
            0,  # creation time
            0,  # modification time
            self.start,
            self.size,
        )


_EMPTY_DIR_ENTRY = _DIR_ENTRY.pack(
    bytes(64), 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, bytes(16), 0, 0, 0, 0, 0
)


def _link_siblings(entries: list[_DirEntry], ids: list[int]) -> int:
    """Arrange sibling entries as a balanced red-black tree; return its root.

    The tree is built by recursive median splits, so every empty (NIL) link
    lies at depth ``h`` or ``h + 1``. Colouring the nodes of the deepest level
    red and every other node black then satisfies the red-black invariants:
    the root is black, a red node has only NIL children, and every path from
    the root to a NIL link crosses the same number of black nodes.
    """
    ordered = sorted(ids, key=lambda i: _cfb_sort_key(entries[i].node.name))
    for previous, current in itertools.pairwise(ordered):
        if _cfb_sort_key(entries[previous].node.name) == _cfb_sort_key(entries[current].node.name):
            raise ValueError(f"duplicate CFB entry name: {entries[current].node.name!r}")
    depths: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        mid = (lo + hi) // 2
        entry_id = ordered[mid]
        depths[entry_id] = depth
        entries[entry_id].left = build(lo, mid, depth + 1)
        entries[entry_id].right = build(mid + 1, hi, depth + 1)
        return entry_id

    root = build(0, len(ordered), 0)
    deepest = max(depths.values(), default=0)
    for entry_id, depth in depths.items():
        entries[entry_id].color = _RED if depth == deepest and deepest > 0 else _BLACK
    return root


def _build_cfb(root: _Node) -> bytes:
    """Serialise a storage tree as a version 3 compound file (MS-CFB)."""
    # 1. Directory entries, numbered breadth-first from the root entry (0).
    entries: list[_DirEntry] = [_DirEntry(root, _TYPE_ROOT)]
    queue = [0]
    while queue:
        parent_id = queue.pop(0)
        child_ids = []
        for child in entries[parent_id].node.children:
            child_ids.append(len(entries))
            entries.append(_DirEntry(child, _TYPE_STORAGE if child.is_storage else _TYPE_STREAM))
        entries[parent_id].child = _link_siblings(entries, child_ids)
        queue.extend(i for i in child_ids if entries[i].node.is_storage)

    # 2. Small streams go to the mini stream, large ones to regular sectors.
    mini_fat: list[int] = []
    mini_stream = bytearray()
    big_streams: list[_DirEntry] = []
    for entry in entries:
        data = entry.node.data
        if data is None:
            continue
        entry.size = len(data)
        if not data:
            continue  # empty streams own no sector: start stays ENDOFCHAIN
        if len(data) < _MINI_STREAM_CUTOFF:
            first = len(mini_fat)
            count = _sectors_for(len(data), _MINI_SECTOR_SIZE)
            mini_fat.extend(range(first + 1, first + count))
            mini_fat.append(_ENDOFCHAIN)
            entry.start = first
            mini_stream += _pad(data, _MINI_SECTOR_SIZE)
        else:
            big_streams.append(entry)

    # 3. Regular sector layout: directory, mini FAT, mini stream, big streams,
    #    then FAT and DIFAT sectors.
    directory = b"".join(e.pack() for e in entries)
    directory += _EMPTY_DIR_ENTRY * (-len(entries) % _ENTRIES_PER_DIR_SECTOR)
    # Mini FAT sectors are filled up with FREESECT.
    mini_fat += [_FREESECT] * (-len(mini_fat) % _IDS_PER_SECTOR)
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)

    fat: list[int] = []
    body = bytearray()

    def allocate(data: bytes) -> int:
        """Append ``data`` as a chain of sectors; return its first sector."""
        if not data:
            return _ENDOFCHAIN
        first = len(fat)
        count = _sectors_for(len(data), _SECTOR_SIZE)
        fat.extend(range(first + 1, first + count))
        fat.append(_ENDOFCHAIN)
        body.extend(_pad(data, _SECTOR_SIZE))
        return first

    # The directory is written last (it embeds the start sectors), but its
    # size is already known, so reserve its sectors first.
    dir_start = allocate(directory)
    mini_fat_start = allocate(mini_fat_bytes)
    entries[0].start = allocate(bytes(mini_stream))
    entries[0].size = len(mini_stream)
    for entry in big_streams:
        assert entry.node.data is not None
        entry.start = allocate(entry.node.data)

    used = len(fat)
    fat_count = 0
    difat_count = 0
    while True:
        needed_fat = _sectors_for(used + fat_count + difat_count, _IDS_PER_SECTOR)
        needed_difat = _sectors_for(max(0, needed_fat - _HEADER_DIFAT_ENTRIES), _IDS_PER_SECTOR - 1)
        if (needed_fat, needed_difat) == (fat_count, difat_count):
            break
        fat_count, difat_count = needed_fat, needed_difat

    fat_sectors = list(range(used, used + fat_count))
    difat_sectors = list(range(used + fat_count, used + fat_count + difat_count))
    fat.extend([_FATSECT] * fat_count)
    fat.extend([_DIFSECT] * difat_count)
    fat.extend([_FREESECT] * (fat_count * _IDS_PER_SECTOR - len(fat)))

    # Rewrite the directory now that every start sector is known.
    directory = b"".join(e.pack() for e in entries)
    directory += _EMPTY_DIR_ENTRY * (-len(entries) % _ENTRIES_PER_DIR_SECTOR)
    body[0 : len(directory)] = directory

    body += struct.pack(f"<{len(fat)}I", *fat)
    overflow = fat_sectors[_HEADER_DIFAT_ENTRIES:]
    per_difat = _IDS_PER_SECTOR - 1  # the last slot links to the next one
    for index in range(difat_count):
        chunk = overflow[index * per_difat : (index + 1) * per_difat]
        chunk = chunk + [_FREESECT] * (per_difat - len(chunk))
        following = difat_sectors[index + 1] if index + 1 < difat_count else _ENDOFCHAIN
        body += struct.pack(f"<{_IDS_PER_SECTOR}I", *chunk, following)

    header_difat = fat_sectors[:_HEADER_DIFAT_ENTRIES]
    header_difat += [_FREESECT] * (_HEADER_DIFAT_ENTRIES - len(header_difat))
    header = _HEADER.pack(
        _SIGNATURE,
        bytes(16),  # header CLSID
        0x003E,  # minor version
        0x0003,  # major version: 512-byte sectors
        0xFFFE,  # byte order mark (little-endian)
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        bytes(6),
        0,  # number of directory sectors: always 0 in version 3
        fat_count,
        dir_start,
        0,  # transaction signature
        _MINI_STREAM_CUTOFF,
        mini_fat_start,
        len(mini_fat_bytes) // _SECTOR_SIZE,
        difat_sectors[0] if difat_sectors else _ENDOFCHAIN,
        difat_count,
    ) + struct.pack(f"<{_HEADER_DIFAT_ENTRIES}I", *header_difat)
    assert len(header) == _SECTOR_SIZE
    return header + bytes(body)


# ---------------------------------------------------------------------------
# MS-OXMSG: message properties
# ---------------------------------------------------------------------------

_PT_LONG = 0x0003
_PT_BOOLEAN = 0x000B
_PT_UNICODE = 0x001F
_PT_SYSTIME = 0x0040
_PT_BINARY = 0x0102

_PROPATTR = 0x00000006  # PROPATTR_READABLE | PROPATTR_WRITABLE

_MSGFLAG_READ = 0x00000001
_MSGFLAG_HASATTACH = 0x00000010
_STORE_UNICODE_OK = 0x00040000
_MAPI_TO = 1
_MAPI_MAILUSER = 6
_MAPI_ATTACH = 7
_ATTACH_BY_VALUE = 1
_CP_UTF8 = 65001

_FILETIME_EPOCH = _dt.datetime(1601, 1, 1, tzinfo=_dt.UTC)
_DEFAULT_DATE = _dt.datetime(2024, 1, 15, 9, 30, tzinfo=_dt.UTC)

_PropValue = int | bool | str | bytes | _dt.datetime


class _PropertyBag:
    """Collects the properties of one message, recipient or attachment."""

    def __init__(self) -> None:
        self._props: dict[int, tuple[int, _PropValue]] = {}

    def set(self, prop_id: int, prop_type: int, value: _PropValue) -> None:
        """Set property ``prop_id`` of type ``prop_type`` to ``value``."""
        self._props[prop_id] = (prop_type, value)

    def streams_and_entries(self, header: bytes) -> list[_Node]:
        """Return the ``__substg1.0_*`` streams and the properties stream."""
        streams: list[_Node] = []
        entries = bytearray(header)
        for prop_id in sorted(self._props):
            prop_type, value = self._props[prop_id]
            tag = (prop_id << 16) | prop_type
            if prop_type in (_PT_UNICODE, _PT_BINARY):
                if prop_type == _PT_UNICODE:
                    assert isinstance(value, str)
                    data = value.encode("utf-16-le")
                    size = len(data) + 2  # the size counts the null terminator
                else:
                    assert isinstance(value, bytes)
                    data = value
                    size = len(data)
                streams.append(_stream(f"__substg1.0_{tag:08X}", data))
                entries += struct.pack("<IIII", tag, _PROPATTR, size, 0)
            else:
                entries += struct.pack("<II", tag, _PROPATTR) + _fixed_value(prop_type, value)
        streams.append(_stream("__properties_version1.0", bytes(entries)))
        return streams


def _fixed_value(prop_type: int, value: _PropValue) -> bytes:
    """Encode a fixed-length property value into its 8-byte slot."""
    if prop_type == _PT_LONG:
        assert isinstance(value, int)
        return struct.pack("<I4x", value & 0xFFFFFFFF)
    if prop_type == _PT_BOOLEAN:
        return struct.pack("<H6x", 1 if value else 0)
    if prop_type == _PT_SYSTIME:
        assert isinstance(value, _dt.datetime)
        return struct.pack("<Q", _filetime(value))
    raise ValueError(f"unsupported fixed property type 0x{prop_type:04X}")


def _filetime(moment: _dt.datetime) -> int:
    """Convert a datetime (naive means UTC) to a Windows FILETIME."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    delta = moment - _FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def _short_filename(long_name: str, index: int) -> str:
    """Derive an 8.3 name (PidTagAttachFilename) from a long file name."""
    stem, dot, ext = long_name.rpartition(".")
    if not dot:
        stem, ext = long_name, ""

    def clean(text: str) -> str:
        allowed = "!#$%&'()-@^_`{}~"
        return "".join(c for c in text.upper() if c.isascii() and (c.isalnum() or c in allowed))

    short_stem, short_ext = clean(stem), clean(ext)[:3]
    if (
        short_stem
        and short_stem == stem.upper()
        and len(short_stem) <= 8
        and (short_ext == ext.upper())
    ):
        return f"{short_stem}.{short_ext}" if short_ext else short_stem
    tail = f"~{index}"
    short_stem = (short_stem or "FILE")[: 8 - len(tail)] + tail
    return f"{short_stem}.{short_ext}" if short_ext else short_stem


def _parse_recipients(to: str) -> list[tuple[str, str]]:
    """Split a ``To`` value into ``(display name, address)`` pairs."""
    pairs = [(name or addr, addr) for name, addr in getaddresses([to]) if addr]
    if not pairs:
        raise ValueError(f"no recipient address in {to!r}")
    return pairs


def build_msg(
    *,
    subject: str,
    sender_name: str,
    sender_email: str,
    to: str,
    body: str,
    headers: str | None = None,
    html: bytes | None = None,
    attachments: list[tuple[str, bytes]] = [],  # noqa: B006 - never mutated
    date: _dt.datetime | None = None,
) -> bytes:
    """Return the bytes of an Outlook ``.msg`` file (an ``IPM.Note`` e-mail).

    :param subject: PidTagSubject.
    :param sender_name: PidTagSenderName (and PidTagSentRepresentingName).
    :param sender_email: SMTP address of the sender.
    :param to: the recipients, as in a ``To:`` header: ``"addr"``,
        ``"Name <addr>"`` or several of them separated by commas. Each becomes
        a ``__recip_version1.0_#N`` storage of type To; a recipient without a
        name gets its address as display name.
    :param body: PidTagBody, the plain-text body.
    :param headers: PidTagTransportMessageHeaders, the original internet
        headers (RFC 5322 text). Readers such as extract-msg take ``From``,
        ``To`` and ``Date`` from them when present. A ``Message-ID`` header is
        also copied into PidTagInternetMessageId.
    :param html: PidTagHtml, the HTML body as bytes (UTF-8 is declared as
        PidTagInternetCodepage).
    :param attachments: ``(long file name, data)`` pairs, each stored by value
        (``afByValue``) with PidTagAttachLongFilename, a derived 8.3
        PidTagAttachFilename and PidTagAttachDataBinary.
    :param date: submit and delivery time (default: a fixed date, so that the
        output is reproducible). A naive datetime is taken as UTC.
    """
    moment = date or _DEFAULT_DATE
    recipients = _parse_recipients(to)

    message = _PropertyBag()
    message.set(0x001A, _PT_UNICODE, "IPM.Note")  # PidTagMessageClass
    message.set(0x0037, _PT_UNICODE, subject)  # PidTagSubject
    message.set(0x0E1D, _PT_UNICODE, subject)  # PidTagNormalizedSubject
    message.set(0x0070, _PT_UNICODE, subject)  # PidTagConversationTopic
    message.set(0x1000, _PT_UNICODE, body)  # PidTagBody
    if html is not None:
        message.set(0x1013, _PT_BINARY, html)  # PidTagHtml
    if headers is not None:
        message.set(0x007D, _PT_UNICODE, headers)  # PidTagTransportMessageHeaders
        message_id = HeaderParser().parsestr(headers).get("Message-ID")
        if message_id:
            message.set(0x1035, _PT_UNICODE, str(message_id).strip())
    for name_id, email_id, type_id, smtp_id in (
        (0x0C1A, 0x0C1F, 0x0C1E, 0x5D01),  # PidTagSender*
        (0x0042, 0x0065, 0x0064, 0x5D02),  # PidTagSentRepresenting*
    ):
        message.set(name_id, _PT_UNICODE, sender_name)
        message.set(email_id, _PT_UNICODE, sender_email)
        message.set(type_id, _PT_UNICODE, "SMTP")
        message.set(smtp_id, _PT_UNICODE, sender_email)
    message.set(0x0E04, _PT_UNICODE, "; ".join(n for n, _ in recipients))  # DisplayTo
    message.set(0x0E03, _PT_UNICODE, "")  # PidTagDisplayCc
    message.set(0x0E02, _PT_UNICODE, "")  # PidTagDisplayBcc
    flags = _MSGFLAG_READ | (_MSGFLAG_HASATTACH if attachments else 0)
    message.set(0x0E07, _PT_LONG, flags)  # PidTagMessageFlags
    message.set(0x0E1B, _PT_BOOLEAN, bool(attachments))  # PidTagHasAttachments
    message.set(0x340D, _PT_LONG, _STORE_UNICODE_OK)  # PidTagStoreSupportMask
    message.set(0x3FDE, _PT_LONG, _CP_UTF8)  # PidTagInternetCodepage
    message.set(0x0017, _PT_LONG, 1)  # PidTagImportance: normal
    message.set(0x0026, _PT_LONG, 0)  # PidTagPriority: normal
    message.set(0x0036, _PT_LONG, 0)  # PidTagSensitivity: none
    for time_id in (0x0039, 0x0E06, 0x3007, 0x3008):  # submit, delivery, c/m time
        message.set(time_id, _PT_SYSTIME, moment)

    # Top-level properties header: 8 reserved bytes, next recipient ID, next
    # attachment ID, recipient count, attachment count, 8 reserved bytes.
    top_header = struct.pack(
        "<8xIIII8x", len(recipients), len(attachments), len(recipients), len(attachments)
    )
    children = message.streams_and_entries(top_header)
    children.append(
        _storage(
            "__nameid_version1.0",
            [
                _stream("__substg1.0_00020102", b""),  # GUID stream
                _stream("__substg1.0_00030102", b""),  # entry stream
                _stream("__substg1.0_00040102", b""),  # string stream
            ],
        )
    )

    for index, (name, address) in enumerate(recipients):
        recip = _PropertyBag()
        recip.set(0x0C15, _PT_LONG, _MAPI_TO)  # PidTagRecipientType
        recip.set(0x3000, _PT_LONG, index)  # PidTagRowid
        recip.set(0x0FFE, _PT_LONG, _MAPI_MAILUSER)  # PidTagObjectType
        recip.set(0x3900, _PT_LONG, 0)  # PidTagDisplayType: DT_MAILUSER
        recip.set(0x3001, _PT_UNICODE, name)  # PidTagDisplayName
        recip.set(0x5FF6, _PT_UNICODE, name)  # PidTagRecipientDisplayName
        recip.set(0x3002, _PT_UNICODE, "SMTP")  # PidTagAddressType
        recip.set(0x3003, _PT_UNICODE, address)  # PidTagEmailAddress
        recip.set(0x39FE, _PT_UNICODE, address)  # PidTagSmtpAddress
        children.append(
            _storage(f"__recip_version1.0_#{index:08X}", recip.streams_and_entries(bytes(8)))
        )

    for index, (long_name, data) in enumerate(attachments):
        attach = _PropertyBag()
        attach.set(0x0E21, _PT_LONG, index)  # PidTagAttachNumber
        attach.set(0x3705, _PT_LONG, _ATTACH_BY_VALUE)  # PidTagAttachMethod
        attach.set(0x0FFE, _PT_LONG, _MAPI_ATTACH)  # PidTagObjectType
        attach.set(0x0E20, _PT_LONG, len(data))  # PidTagAttachSize
        attach.set(0x370B, _PT_LONG, 0xFFFFFFFF)  # PidTagRenderingPosition: none
        attach.set(0x3001, _PT_UNICODE, long_name)  # PidTagDisplayName
        attach.set(0x3707, _PT_UNICODE, long_name)  # PidTagAttachLongFilename
        attach.set(0x3704, _PT_UNICODE, _short_filename(long_name, index + 1))
        _, dot, extension = long_name.rpartition(".")
        if dot:
            attach.set(0x3703, _PT_UNICODE, "." + extension)  # PidTagAttachExtension
        attach.set(0x3701, _PT_BINARY, data)  # PidTagAttachDataBinary
        children.append(
            _storage(f"__attach_version1.0_#{index:08X}", attach.streams_and_entries(bytes(8)))
        )

    return _build_cfb(_storage("Root Entry", children, _CLSID_MESSAGE))
