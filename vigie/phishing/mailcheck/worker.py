"""The analysis worker: ``python -m vigie.phishing.mailcheck.worker MEMORY_BYTES``.

Started by ``sandbox.py``. Caps its own address space, then answers requests read on standard
input until it closes: each request is two frames (8-byte big-endian length, then bytes): a JSON
header (``kind`` "eml", "msg" (Outlook, turned into an .eml), "text", "image" (read with
Tesseract, then judged as a pasted text) or "report" (a mail of the reporting mailbox: the
reported message found in it, ``forwarded`` in the answer), ``trusted``, ``limits``, ``reporters``, ``authserv_ids``) and the message itself; each answer
is one frame of JSON: the analysis (``dataclasses.asdict``) and ``peak_kb``, the peak resident
memory during that analysis, and for an image ``text_chars``, how much text was read (-2: no
Tesseract). Nothing else is ever written to standard output.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
from dataclasses import asdict
from typing import BinaryIO

from vigie.phishing.mailcheck.limits import Limits
from vigie.phishing.mailcheck.msg import MsgUnreadable, msg_to_eml
from vigie.phishing.mailcheck.ocr import OcrUnavailable, read_image
from vigie.phishing.mailcheck.pasted import analyse_text
from vigie.phishing.mailcheck.reported import analyse_reported
from vigie.phishing.mailcheck.texts import PICTURE_CAVEAT
from vigie.phishing.mailcheck.verdict import analyse

_LENGTH = 8


def _read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(_LENGTH)
    if len(header) < _LENGTH:
        return None
    size = int.from_bytes(header, "big")
    body = stream.read(size)
    return body if len(body) == size else None


def _reset_peak() -> None:
    """Start measuring the peak resident memory afresh (Linux: VmHWM)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _peak_kb() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """Answer requests until ``source`` closes."""
    while True:
        header = _read_frame(source)
        payload = _read_frame(source) if header is not None else None
        if header is None or payload is None:
            return
        request = json.loads(header)
        limits = Limits(**request["limits"])
        trusted = tuple(request["trusted"])
        reporters = tuple(request.get("reporters", ()))
        authserv_ids = tuple(request.get("authserv_ids", ()))
        _reset_peak()
        text_chars, unreadable, forwarded = -1, False, ""
        if request["kind"] == "msg":
            try:
                eml = msg_to_eml(payload)
            except MsgUnreadable:
                eml, unreadable = b"", True
            analysis = analyse(
                eml, trusted=trusted, limits=limits, reporters=reporters, authserv_ids=authserv_ids
            )
        elif request["kind"] == "image":
            try:
                text = read_image(payload)
            except OcrUnavailable:
                text, text_chars = "", -2
            else:
                text_chars = len(text.strip())
            analysis = analyse_text(
                text, trusted=trusted, limits=limits, reporters=reporters, authserv_ids=authserv_ids
            )
            analysis.reasons = [*analysis.reasons, PICTURE_CAVEAT]
        elif request["kind"] == "report":
            reported = analyse_reported(
                payload,
                trusted=trusted,
                limits=limits,
                reporters=reporters,
                authserv_ids=authserv_ids,
            )
            analysis, forwarded = reported.analysis, reported.forwarded
        elif request["kind"] == "text":
            text = payload.decode("utf-8", "surrogatepass")
            analysis = analyse_text(
                text, trusted=trusted, limits=limits, reporters=reporters, authserv_ids=authserv_ids
            )
        else:
            analysis = analyse(
                payload,
                trusted=trusted,
                limits=limits,
                reporters=reporters,
                authserv_ids=authserv_ids,
            )
        answer = json.dumps(
            {
                "analysis": asdict(analysis),
                "peak_kb": _peak_kb(),
                "text_chars": text_chars,
                "unreadable": unreadable,
                "forwarded": forwarded,
            }
        ).encode()
        sink.write(len(answer).to_bytes(_LENGTH, "big") + answer)
        sink.flush()


def main() -> int:
    memory = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
