"""Processes and listening ports as Linux shows them in /proc, and children that die with
their parent.

* :func:`port_in_use` tells who listens on a TCP port: the LISTEN sockets of
  ``/proc/net/tcp`` and ``tcp6`` (their inodes), then the processes whose ``/proc/<pid>/fd``
  link to them. Another user's process cannot be seen: the port is then taken by nobody known.
* :func:`process_info` reads a process's parent, group, start time (with the pid, what
  identifies a process: pids are reused), command line and working directory.
* :func:`die_with_parent` is a ``preexec_fn`` setting ``PR_SET_PDEATHSIG`` = SIGKILL.

Off Linux (no /proc) a port is checked by binding it, and children do not die with their
parent. Importing this module only defines objects.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import ipaddress
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.typography import truncate

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessInfo:
    """A live process as /proc shows it (``cwd`` is None when it cannot be read)."""

    pid: int
    ppid: int
    pgrp: int
    start: int  # clock ticks after boot: with the pid, identifies the process
    argv: tuple[str, ...]
    cwd: Path | None

    @property
    def command(self) -> str:
        """A short command line: absolute paths reduced to their last part, cut at 80 chars."""
        words = [Path(word).name if word.startswith("/") else word for word in self.argv]
        return truncate(" ".join(words), 80) or f"[{self.pid}]"


def _stat(pid: int) -> tuple[int, int, int] | None:
    """Parent pid, process group and start time of a live process (None: gone or zombie)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), int(fields[2]), int(fields[19])


def process_info(pid: int) -> ProcessInfo | None:
    """The process ``pid``, or None when it is gone or a zombie."""
    stat = _stat(pid)
    if stat is None:
        return None
    try:
        raw_argv = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    try:
        cwd: Path | None = Path(os.readlink(_PROC / str(pid) / "cwd"))
    except OSError:
        cwd = None
    argv = tuple(os.fsdecode(part) for part in raw_argv.split(b"\0") if part)
    return ProcessInfo(pid, *stat, argv, cwd)


def _pids() -> Iterator[int]:
    with contextlib.suppress(OSError):
        for entry in os.scandir(_PROC):
            if entry.name.isdigit():
                yield int(entry.name)


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address of /proc/net/tcp*: 32-bit words in the host's byte order."""
    raw = bytes.fromhex(hex_address)
    words = [int.from_bytes(raw[i : i + 4], "big") for i in range(0, len(raw), 4)]
    packed = b"".join(word.to_bytes(4, sys.byteorder) for word in words)
    address = ipaddress.ip_address(packed)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _conflicts(listening: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str) -> bool:
    """Whether a socket listening on ``listening`` keeps us from listening on ``host``."""
    try:
        wanted = ipaddress.ip_address(host)
    except ValueError:
        return True  # a host name: be safe
    return listening.is_unspecified or wanted.is_unspecified or listening == wanted


def listening_inodes(port: int, host: str = "127.0.0.1") -> set[int] | None:
    """Inodes of the sockets listening on ``port`` in the way of ``host``; None without /proc."""
    found: set[int] = set()
    seen = False
    for name in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / name).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        seen = True
        for line in lines:
            parts = line.split()
            local, state, inode = parts[1], parts[3], int(parts[9])
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port and _conflicts(_address(address), host):
                found.add(inode)
    return found if seen else None


def socket_owners(inodes: set[int]) -> list[ProcessInfo]:
    """The processes holding one of these sockets that we are allowed to see, by pid."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    owners: list[ProcessInfo] = []
    for pid in _pids():
        try:
            links = [entry.path for entry in os.scandir(_PROC / str(pid) / "fd")]
        except OSError:
            continue  # gone, or another user's
        for link in links:
            with contextlib.suppress(OSError):
                if os.readlink(link) in wanted:
                    info = process_info(pid)
                    if info is not None:
                        owners.append(info)
                    break
    return sorted(owners, key=lambda info: info.pid)


@dataclass(frozen=True)
class PortUse:
    """A port taken: by these processes, or by processes we cannot see (``holders`` empty)."""

    port: int
    holders: list[ProcessInfo]


def port_in_use(port: int, host: str = "127.0.0.1") -> PortUse | None:
    """Who listens on ``port`` (in the way of ``host``), or None when it is free."""
    inodes = listening_inodes(port, host)
    if inodes is None:  # no /proc: only a bind can tell, and it cannot name anyone
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                return PortUse(port, [])
        return None
    return PortUse(port, socket_owners(inodes)) if inodes else None


def group_members(pgrp: int, leader_start: int | None = None) -> list[ProcessInfo]:
    """Live processes of the process group ``pgrp``.

    With ``leader_start`` (the leader's start time), a process reusing the leader's pid is
    left out: only the leader itself, or members that started after it, are returned.
    """
    members = []
    for pid in _pids():
        stat = _stat(pid)
        if stat is None or stat[1] != pgrp:
            continue
        start = stat[2]
        if leader_start is not None and (
            start < leader_start or (pid == pgrp and start != leader_start)
        ):
            continue
        info = process_info(pid)
        if info is not None:
            members.append(info)
    return members


async def stop_processes(
    processes: Iterable[ProcessInfo], timeout: float = STOP_TIMEOUT, clock: Clock = SYSTEM_CLOCK
) -> bool:
    """SIGTERM each process, then SIGKILL those still there after ``timeout``.

    A process leading its group takes its group with it. Returns whether all are gone (False
    only when a SIGKILL did not land within ``timeout`` either).
    """
    pending = {p.pid: p for p in processes}
    for leader in [p for p in pending.values() if p.pid == p.pgrp]:
        pending.update({p.pid: p for p in group_members(leader.pid, leader.start)})
    for info in pending.values():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(info.pid, signal.SIGTERM)
    killed = False
    deadline = clock.monotonic() + timeout
    while True:
        pending = {
            pid: p for pid, p in pending.items() if (now := _stat(pid)) and now[2] == p.start
        }
        if not pending:
            return True
        if clock.monotonic() >= deadline:
            if killed:
                logger.error("processes %s still there after SIGKILL", sorted(pending))
                return False
            for pid in pending:
                logger.warning("process %s still there after SIGTERM; SIGKILL", pid)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            killed, deadline = True, clock.monotonic() + timeout
        await clock.sleep(0.05)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up before any fork (None off Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    return prctl


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` giving the child SIGKILL when its parent (thread) dies; Linux only."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def in_child() -> None:
        if prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the prctl call
            os.kill(os.getpid(), signal.SIGKILL)

    return in_child
