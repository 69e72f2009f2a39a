"""Office macros read with oletools (``olevba``): offline, bounded, nothing ever executed.

An Office attachment — an old compound file (``.doc``, ``.xls``, ``.ppt``: magic ``ole``) or an
Office Open XML package (a ZIP holding ``[Content_Types].xml``: ``.docm``, ``.xlsm``, a
``.docx`` too) — is handed to ``olevba.VBA_Parser``, which only *parses*: it decompresses the
VBA source (MS-OVBA) and reads the Excel 4 (XLM) macros of old workbooks; its scanner then
looks for triggers that run a macro by themselves (``AutoOpen``, ``Document_Open``,
``Workbook_Open``…), for keywords that download or run a program (``Shell``,
``URLDownloadToFile``, ``PowerShell``…), encoded strings and indicators (URLs, IP addresses,
program names). Bounds:

* only files of at most ``Limits.max_macro_bytes``; larger ones are not read (unknown: rated
  by their name and markers, as before);
* of an OOXML package, this module reads the members that start with the compound-file magic
  (at most ``MAX_OLE_MEMBERS``, at most ``max_macro_bytes`` decompressed in all, reading with
  a bound): oletools never sees the ZIP itself, and no other archive is ever decompressed;
* at most ``Limits.max_macro_seconds``, never past the analysis deadline: an interval timer
  (``SIGALRM``, in the main thread only: the worker's and the command line's) interrupts the
  parser; in another thread, the worker's own 15-second limit still applies;
* memory: decompression inside oletools is bounded by the worker's ``RLIMIT_AS`` (512 MB);
* bytes only, nothing written to disk; VBA-stomping detection (P-code, ``pcodedmp``) and the
  slow deobfuscation of VBA expressions (``deobfuscate``) are off; at most ``MAX_CODE_CHARS``
  of source scanned (the rest is cut, and the analysis says so: « incomplète »);
* oletools' loggers are silenced and its standard output and error swallowed: the worker
  answers on standard output, and no content of an attachment may reach a log.

Any failure gives a report (``unknown``), never an exception. oletools is imported on first
use only, never when ``vigie`` is imported.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import signal
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

from vigie.phishing.mailcheck.defang import defang_domain, defang_url
from vigie.phishing.mailcheck.limits import Deadline, Limits
from vigie.phishing.mailcheck.texts import MACRO_ACTIONS

__all__ = ["MAX_CODE_CHARS", "MacroReport", "macro_signals", "read_macros"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Macro source scanned, all modules together: olevba's scanner runs about 200 case-insensitive
# searches over it, some 9 µs per character here (0.45 s for 50,000 characters).
MAX_CODE_CHARS = 50_000
MAX_OLE_MEMBERS = 10  # compound files read from one OOXML package
MAX_LISTED = 5  # keywords or indicators kept of each kind
_REARM_SECONDS = 0.05
_SHARE = 0.75  # of the analysis budget, as parse.py's walk: the rest is for the signals

# Loggers of oletools and the libraries it calls: never a line from them in Vigie's logs.
_QUIET_LOGGERS = (
    "olevba", "olefile", "ppt", "ftguess", "crypto", "rtfobj", "oleform", "oleobj",
    "msoffcrypto", "oletools", "pcodedmp",
)  # fmt: skip

# olevba's keywords (lower case) that download or run a program, inject code or run XLM.
_PAYLOAD = frozenset(
    {
        "shell", "wscript.shell", "shellexecute", "shellexecutea", "shell32", "shell.application",
        "invokeverb", "invokeverbex", "macscript", "applescript", "powershell",
        "encodedcommand", "invoke-expression", "start-process", "exec", "executeexcel4macro",
        "vbhide", "controlpanelitem", "createthread", "createuserthread", "virtualalloc",
        "virtualallocex", "rtlmovememory", "writeprocessmemory", "urldownloadtofilea",
        "msxml2.xmlhttp", "microsoft.xmlhttp", "msxml2.serverxmlhttp", "net.webclient",
        "downloadfile", "downloadstring", "adodb.stream", "savetofile",
    }
)  # fmt: skip
# Ordinary automation, suspicious only in a macro that runs by itself.
_HELPERS = frozenset({"run", "createobject", "getobject", "callbyname", "new-object", "sendkeys"})
# What olevba misses or names differently.
_EXTRA_PAYLOAD = re.compile(
    r"(?i)\b(?:URLDownloadToFile\w*|WinHttp\.WinHttpRequest|certutil|bitsadmin|mshta|"
    r"rundll32|regsvr32|cscript|cmd(?:\.exe)?\s*/[ck])\b"
)
# Events that need the person to click or type: no automatic run.
_PASSIVE_TRIGGERS = (
    "_click", "_change", "_mousemove", "_mouseenter", "_mouseleave", "_mousehover",
    "_followhyperlink", "_contentcontrolonenter", "documentchange",
)  # fmt: skip
_PROGRAM_EXT = frozenset(
    {"exe", "pif", "msi", "scr", "hta", "vbs", "vbe", "js", "jse", "wsf", "bat", "cmd", "ps1",
     "jar", "lnk", "cpl", "reg"}
)  # fmt: skip
_ENCODINGS = {"Hex String": "hexadécimal", "Base64 String": "base64", "Dridex string": "Dridex"}
_MIN_DECODED = 8  # shorter decoded strings are mostly accidents (« Test » reads as base64)

T = TypeVar("T")


@dataclass(frozen=True)
class MacroReport:
    """What the macros of one Office attachment do, as read by olevba."""

    found: bool = False  # macros are there (VBA project or XLM sheets), read or not
    unknown: str = ""  # why the code was not read: "too_large", "time", "unreadable"
    truncated: bool = False  # more than MAX_CODE_CHARS of code: the rest was not scanned
    autoexec: tuple[str, ...] = ()  # triggers that run a macro by themselves (AutoOpen…)
    payload: tuple[str, ...] = ()  # downloads or runs a program (Shell, URLDownloadToFile…)
    helpers: tuple[str, ...] = ()  # ordinary automation (CreateObject, Run…)
    obfuscation: tuple[str, ...] = ()  # encoded strings, keywords hidden in them
    iocs: tuple[str, ...] = ()  # URLs, IP addresses, program names (raw: defang to show)


class _OutOfTime(BaseException):
    """Raised by the interval timer inside oletools (a BaseException: oletools' own
    ``except Exception`` clauses do not swallow it)."""


class _TooLarge(Exception):
    pass


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def read_macros(
    payload: bytes,
    magic: str,
    entries: Sequence[str] | None,
    limits: Limits,
    deadline: Deadline,
) -> MacroReport | None:
    """The macros of an attachment; ``None`` when it is no Office file that may hold any.
    Never raises."""
    if magic == "zip":
        if entries is None or "[Content_Types].xml" not in entries:
            return None
    elif magic != "ole":
        return None
    if len(payload) > limits.max_macro_bytes:
        return MacroReport(unknown="too_large")
    if deadline.remaining(_SHARE) <= 0:
        return MacroReport(unknown="time")
    try:
        with _quiet():
            from oletools import olevba

            _silence()
            seconds = min(limits.max_macro_seconds, deadline.remaining(_SHARE))
            if seconds <= 0:
                return MacroReport(unknown="time")
            return _within(seconds, lambda: _read(olevba, payload, magic, limits))
    except _OutOfTime:
        return MacroReport(unknown="time")
    except _TooLarge:
        return MacroReport(unknown="too_large")
    except (Exception, RecursionError):  # MemoryError included: a hostile file
        return MacroReport(unknown="unreadable")


def _read(olevba: Any, payload: bytes, magic: str, limits: Limits) -> MacroReport:
    blobs = [payload] if magic == "ole" else _ole_members(payload, limits)
    chunks: list[str] = []
    size = 0
    found = truncated = False
    for blob in blobs:
        parser = olevba.VBA_Parser("attachment", data=blob, relaxed=True, disable_pcode=True)
        try:
            if not parser.detect_macros():
                continue
            found = True
            codes = [code for *_, code in parser.extract_macros()]
            codes += [text for *_, text in parser.extract_form_strings()]
        finally:
            parser.close()
        for code in codes:
            if not isinstance(code, str) or not code:
                continue
            room = MAX_CODE_CHARS - size
            if len(code) > room:
                truncated = True
            if room <= 0:
                break
            chunks.append(code[:room])
            size += len(chunks[-1])
    if not found:
        return MacroReport()
    if not chunks:
        return MacroReport(found=True, unknown="unreadable")  # a VBA project, its code unread
    code = "\n".join(chunks)
    results = olevba.VBA_Scanner(code).scan(include_decoded_strings=False, deobfuscate=False)
    return _classify(results, code, truncated)


def _ole_members(payload: bytes, limits: Limits) -> list[bytes]:
    """The compound files inside an OOXML package (``vbaProject.bin``, embedded objects),
    read with a bound on what is decompressed."""
    members: list[bytes] = []
    budget = limits.max_macro_bytes
    with zipfile.ZipFile(io.BytesIO(payload)) as package:
        for info in package.infolist()[: limits.max_zip_entries]:
            if info.is_dir() or info.flag_bits & 0x1:  # folders; encrypted members
                continue
            with package.open(info) as member:
                if member.read(len(OLE_MAGIC)) != OLE_MAGIC:
                    continue
                data = OLE_MAGIC + member.read(max(0, budget - len(OLE_MAGIC)) + 1)
            if len(data) > budget:
                raise _TooLarge
            budget -= len(data)
            members.append(data)
            if len(members) >= MAX_OLE_MEMBERS:
                break
    return members


def _classify(results: Sequence[Any], code: str, truncated: bool) -> MacroReport:
    kinds: dict[str, list[str]] = {
        "autoexec": [],
        "payload": [],
        "helpers": [],
        "obfuscation": [],
        "iocs": [],
    }

    def add(kind: str, value: str) -> None:
        listed = kinds[kind]
        if value and value not in listed and len(listed) < MAX_LISTED:
            listed.append(value[:200])

    for kind, keyword, description in results:
        word, about = str(keyword), str(description)
        lower = word.lower()
        if "(obfuscation:" in about:  # found only once decoded
            add("obfuscation", word)
        if kind == "AutoExec" and not lower.endswith(_PASSIVE_TRIGGERS):
            add("autoexec", word)
        elif kind == "Suspicious" and lower in _PAYLOAD:
            add("payload", word)
        elif kind == "Suspicious" and lower in _HELPERS:
            add("helpers", word)
        elif kind == "IOC" and about.startswith(("URL", "IPv4")):
            add("iocs", word)
        elif kind == "IOC" and about.startswith("Executable"):
            if word.rpartition(".")[2].lower() in _PROGRAM_EXT:
                add("iocs", word)
        elif kind in _ENCODINGS and len(word) >= _MIN_DECODED:
            add("obfuscation", _ENCODINGS[kind])
    for match in _EXTRA_PAYLOAD.finditer(code):
        if len(kinds["payload"]) >= MAX_LISTED:
            break
        if match.group().lower() not in (p.lower() for p in kinds["payload"]):
            add("payload", match.group())
    return MacroReport(
        found=True,
        truncated=truncated,
        autoexec=tuple(kinds["autoexec"]),
        payload=tuple(kinds["payload"]),
        helpers=tuple(kinds["helpers"]),
        obfuscation=tuple(kinds["obfuscation"]),
        iocs=tuple(kinds["iocs"]),
    )


def defanged_iocs(report: MacroReport) -> list[str]:
    """The report's indicators, never clickable."""
    return [
        defang_url(ioc) if "://" in ioc or ioc.lower().startswith("www.") else defang_domain(ioc)
        for ioc in report.iocs
    ]


def macro_signals(report: MacroReport) -> list[tuple[str, list[str], dict[str, str]]]:
    """(signal code, defanged indicators, values of its French text) for a report; the
    weights and the texts are in ``signals.WEIGHTS`` and ``texts.SIGNALS``."""
    if report.unknown or not report.found:
        return []
    iocs = defanged_iocs(report)
    if report.payload:
        what = MACRO_ACTIONS["payload"].format(keywords=", ".join(report.payload[:3]))
    elif report.obfuscation:
        what = MACRO_ACTIONS["obfuscation"].format(keywords=", ".join(report.obfuscation[:3]))
    elif iocs:
        what = MACRO_ACTIONS["ioc"].format(ioc=iocs[0])
    else:
        what = MACRO_ACTIONS["helpers"].format(keywords=", ".join(report.helpers[:3]))
    trigger = ", ".join(report.autoexec[:2])
    if report.autoexec and (report.payload or report.obfuscation or iocs or report.helpers):
        return [("macro_autoexec_payload", iocs, {"trigger": trigger, "what": what})]
    if report.payload or report.obfuscation:
        return [("macro_payload", iocs, {"what": what})]
    if report.autoexec:
        return [("macro_autoexec", iocs, {"trigger": trigger})]
    if iocs:
        return [("macro_indicator", iocs, {"ioc": iocs[0]})]
    return []


# --- Keeping oletools quiet and on time --------------------------------------------------


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Nothing printed (the worker answers on standard output), no warning shown."""
    sink = _Discard()
    with (
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield


def _silence() -> None:
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        logger.disabled = True


def _within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``, interrupted by ``_OutOfTime`` after ``seconds``. Only in the main thread and
    when no one else uses ``SIGALRM``; otherwise it runs unbounded here (the worker's own time
    limit still applies)."""
    previous = signal.getsignal(signal.SIGALRM)
    if (
        threading.current_thread() is not threading.main_thread()
        or previous not in (signal.SIG_DFL, signal.SIG_IGN)
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        return work()
    armed = True

    def expire(signum: int, frame: FrameType | None) -> None:
        if armed:
            # Again shortly, should a bare ``except:`` in the parser swallow this one.
            signal.setitimer(signal.ITIMER_REAL, _REARM_SECONDS)
            raise _OutOfTime

    signal.signal(signal.SIGALRM, expire)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return work()
        finally:
            armed = False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
