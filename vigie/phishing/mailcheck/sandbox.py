"""Each analysis in a worker process of its own, with a memory cap and a time limit.

A hostile file can make any parser slow or greedy; the analyser's own limits bound most of it
(``limits.py``), but a step it cannot interrupt (the standard library's MIME parser on a crafted
file) would still hold the bot's process: its memory, and the interpreter lock the event loop
needs to answer other chats. Here analyses run in ``workers`` long-lived worker processes
(``python -m vigie.phishing.mailcheck.worker``), each capped with ``RLIMIT_AS``; a worker that
runs past its time is killed and replaced. The others wait their turn without blocking anything.

The worker answers in JSON (never pickle: a worker fed a hostile file is not trusted with the
bot's process), with its peak resident memory during that analysis.

A worker that dies, runs out of memory or out of time gives a « douteux » verdict that says so:
a file Vigie could not analyse is treated as suspect, never as safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, fields
from typing import Any

from vigie.phishing.mailcheck.limits import Limits
from vigie.phishing.mailcheck.signals import Signal
from vigie.phishing.mailcheck.verdict import DOUBTFUL_SCORE, Analysis

__all__ = ["OVERLOAD_REASON", "Sandbox", "SandboxResult", "analysis_from_dict"]

logger = logging.getLogger(__name__)

OVERLOAD_REASON = (
    "Le message est trop lourd ou trop complexe pour être analysé en entier\u00a0: traitez-le "
    "comme suspect."
)
_LENGTH = 8  # bytes of the length prefix of each frame
_MAX_ANSWER = 16 * 1024 * 1024


@dataclass(frozen=True)
class SandboxResult:
    """An analysis and what it cost its worker."""

    analysis: Analysis
    peak_rss_kb: int  # the worker's peak resident memory during this analysis (0: unknown)
    completed: bool  # False: killed for time, out of memory, or crashed
    text_chars: int = -1  # an image: the characters read (-2: Tesseract missing)
    unreadable: bool = False  # an Outlook file that is no Outlook message
    forwarded: str = ""  # a reporting-mailbox mail: "attached", "inline" or "none"


def overloaded(elapsed_ms: float = 0.0) -> Analysis:
    """The verdict on a message whose analysis could not finish."""
    return Analysis(
        verdict="douteux",
        score=DOUBTFUL_SCORE,
        reasons=[OVERLOAD_REASON],
        indicators=[],
        truncated=True,
        elapsed_ms=elapsed_ms,
    )


def analysis_from_dict(data: dict[str, Any]) -> Analysis:
    """An :class:`Analysis` back from ``dataclasses.asdict`` (the worker's JSON)."""
    known = {f.name for f in fields(Analysis)}
    values = {k: v for k, v in data.items() if k in known}
    values["signals"] = [
        Signal(s["code"], int(s["weight"]), s["explanation_fr"], tuple(s["indicators"]))
        for s in data.get("signals", [])
    ]
    return Analysis(**values)


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(_LENGTH, "big") + payload


class _Worker:
    """One worker process and its pipes (used by one thread at a time)."""

    def __init__(self, memory_bytes: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vigie.phishing.mailcheck.worker", str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: bytes, timeout: float) -> dict[str, Any] | None:
        """Send one request; the answer, or None when the worker died or ran out of time."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(request)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + timeout
        header = self._read(_LENGTH, deadline)
        if header is None:
            return None
        size = int.from_bytes(header, "big")
        if size > _MAX_ANSWER:
            return None
        body = self._read(size, deadline)
        if body is None:
            return None
        try:
            answer: dict[str, Any] = json.loads(body)
        except ValueError:
            return None
        return answer

    def _read(self, size: int, deadline: float) -> bytes | None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        chunks: list[bytes] = []
        missing = size
        while missing:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, min(missing, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class Sandbox:
    """Runs analyses in capped worker processes, ``workers`` at a time."""

    def __init__(
        self, *, workers: int = 2, memory_mb: int = 512, timeout_seconds: float = 15.0
    ) -> None:
        self._size = workers
        self._memory = memory_mb * 1024 * 1024
        self._timeout = timeout_seconds
        self._idle: asyncio.Queue[_Worker | None] | None = None  # created in the running loop

    async def analyse(
        self, data: bytes, *, trusted: Collection[str], limits: Limits, **options: Collection[str]
    ) -> SandboxResult:
        """The analysis of an ``.eml`` file's bytes (``options``: ``reporters``,
        ``authserv_ids``, as for ``verdict.analyse``)."""
        return await self._run("eml", data, trusted, limits, options)

    async def analyse_text(
        self, text: str, *, trusted: Collection[str], limits: Limits, **options: Collection[str]
    ) -> SandboxResult:
        """The analysis of a pasted or forwarded e-mail text."""
        payload = text.encode("utf-8", "surrogatepass")
        return await self._run("text", payload, trusted, limits, options)

    async def analyse_msg(
        self, data: bytes, *, trusted: Collection[str], limits: Limits, **options: Collection[str]
    ) -> SandboxResult:
        """The analysis of an Outlook ``.msg`` file (turned into an ``.eml`` first)."""
        return await self._run("msg", data, trusted, limits, options)

    async def analyse_image(
        self, data: bytes, *, trusted: Collection[str], limits: Limits, **options: Collection[str]
    ) -> SandboxResult:
        """The analysis of a photo or screenshot of an e-mail (its text read first)."""
        return await self._run("image", data, trusted, limits, options)

    async def analyse_report(
        self, data: bytes, *, trusted: Collection[str], limits: Limits, **options: Collection[str]
    ) -> SandboxResult:
        """The analysis of a mail received by the reporting mailbox (the reported message
        found in it: attached, forwarded inline, or the mail itself)."""
        return await self._run("report", data, trusted, limits, options)

    async def _run(
        self,
        kind: str,
        payload: bytes,
        trusted: Collection[str],
        limits: Limits,
        options: dict[str, Collection[str]],
    ) -> SandboxResult:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self._size):
                self._idle.put_nowait(None)  # a slot; its worker starts on first use
        header = json.dumps(
            {
                "kind": kind,
                "trusted": list(trusted),
                "limits": asdict(limits),
                **{name: list(values) for name, values in options.items()},
            }
        ).encode()
        request = frame(header) + frame(payload)
        worker = await self._idle.get()
        try:
            worker, result = await asyncio.to_thread(self._ask, worker, request)
        finally:
            self._idle.put_nowait(worker)
        return result

    def _ask(self, worker: _Worker | None, request: bytes) -> tuple[_Worker | None, SandboxResult]:
        started = time.monotonic()
        if worker is None or not worker.alive():
            worker = _Worker(self._memory)
        answer = worker.ask(request, self._timeout)
        elapsed = (time.monotonic() - started) * 1000
        if answer is None:
            logger.warning("Mail analysis stopped (%s)", "timeout" if worker.alive() else "died")
            worker.kill()
            return None, SandboxResult(overloaded(elapsed), 0, False)
        analysis = analysis_from_dict(answer["analysis"])
        peak, chars = int(answer.get("peak_kb", 0)), int(answer.get("text_chars", -1))
        unreadable = bool(answer.get("unreadable", False))
        forwarded = str(answer.get("forwarded", ""))
        return worker, SandboxResult(analysis, peak, True, chars, unreadable, forwarded)

    async def aclose(self) -> None:
        """Stop the workers (they also stop by themselves when this process ends)."""
        if self._idle is None:
            return
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            if worker is not None:
                await asyncio.to_thread(worker.kill)
