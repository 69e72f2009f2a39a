"""Each analysis in a process of its own, with a memory cap and a time limit.

A hostile file can make any parser slow or greedy; the analyser's own limits bound most of it
(``limits.py``), but a step it cannot interrupt (the standard library's MIME parser on a crafted
file) would still hold the bot's process: its memory, and the interpreter lock the event loop
needs to answer other chats. Here each analysis runs in a child process forked from a server
that has the analyser already imported (``multiprocessing``'s forkserver: a start takes
milliseconds), capped with ``RLIMIT_AS`` and killed when it runs past its time. At most
``workers`` analyses run at once; the others wait their turn without blocking anything.

A child that dies, runs out of memory or out of time gives a « douteux » verdict that says so:
a file Vigie could not analyse is treated as suspect, never as safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import resource
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from vigie.phishing.mailcheck.limits import Limits
from vigie.phishing.mailcheck.verdict import DOUBTFUL_SCORE, Analysis

__all__ = ["OVERLOAD_REASON", "Sandbox", "SandboxResult"]

logger = logging.getLogger(__name__)

OVERLOAD_REASON = (
    "Le message est trop lourd ou trop complexe pour être analysé en entier\u00a0: traitez-le "
    "comme suspect."
)
_PRELOAD = ["vigie.phishing.mailcheck.verdict", "vigie.phishing.mailcheck.pasted"]


@dataclass(frozen=True)
class SandboxResult:
    """An analysis and what it cost its process."""

    analysis: Analysis
    peak_rss_kb: int  # the child's peak resident memory (0 when it died)
    completed: bool  # False: killed for time, out of memory, or crashed


def _child(
    out: Connection, kind: str, payload: Any, trusted: tuple[str, ...], limits: Limits, cap: int
) -> None:
    """In the child: cap the address space, analyse, send the result with the peak memory."""
    if cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from vigie.phishing.mailcheck.pasted import analyse_text
    from vigie.phishing.mailcheck.verdict import analyse

    if kind == "text":
        analysis = analyse_text(payload, trusted=trusted, limits=limits)
    else:
        analysis = analyse(payload, trusted=trusted, limits=limits)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.send((analysis, peak))
    out.close()


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


class Sandbox:
    """Runs analyses in capped child processes, ``workers`` at a time."""

    def __init__(
        self, *, workers: int = 2, memory_mb: int = 512, timeout_seconds: float = 15.0
    ) -> None:
        self._workers = workers
        self._cap = memory_mb * 1024 * 1024
        self._timeout = timeout_seconds
        self._slots: asyncio.Semaphore | None = None  # created in the running loop
        self._context: Any = None

    def _start_context(self) -> Any:
        if self._context is None:
            self._context = multiprocessing.get_context("forkserver")
            self._context.set_forkserver_preload(_PRELOAD)
        return self._context

    async def analyse(
        self, data: bytes, *, trusted: Collection[str], limits: Limits
    ) -> SandboxResult:
        """The analysis of an ``.eml`` file's bytes."""
        return await self._run("eml", data, trusted, limits)

    async def analyse_text(
        self, text: str, *, trusted: Collection[str], limits: Limits
    ) -> SandboxResult:
        """The analysis of a pasted or forwarded e-mail text."""
        return await self._run("text", text, trusted, limits)

    async def _run(
        self, kind: str, payload: bytes | str, trusted: Collection[str], limits: Limits
    ) -> SandboxResult:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._workers)
        async with self._slots:
            return await asyncio.to_thread(
                self._run_blocking, kind, payload, tuple(trusted), limits
            )

    def _run_blocking(
        self, kind: str, payload: bytes | str, trusted: tuple[str, ...], limits: Limits
    ) -> SandboxResult:
        context = self._start_context()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            args=(sender, kind, payload, trusted, limits, self._cap),
            daemon=True,
        )
        started = time.monotonic()
        process.start()
        sender.close()
        try:
            if receiver.poll(self._timeout):
                with contextlib.suppress(EOFError, OSError):
                    analysis, peak = receiver.recv()
                    elapsed = (time.monotonic() - started) * 1000
                    return SandboxResult(replace(analysis, elapsed_ms=elapsed), int(peak), True)
            cause = "timeout" if process.is_alive() else "died"
            logger.warning("Mail analysis stopped (%s)", cause)
            return SandboxResult(overloaded((time.monotonic() - started) * 1000), 0, False)
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)
