"""The supervisor leaves no orphan and names who holds a port: real processes throughout.

Each test runs the supervisor in its own process (``DRIVER``: the production ``supervise``
over small real HTTP servers standing in for Rasa and the actions) and signals it as a
terminal, ``kill`` or a closed window would. The stand-ins start in well under a second, so
no test needs the real Rasa. Waits are bounded polls; nothing asserts a duration.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot import supervisor
from bot.processes import port_in_use, process_info
from tests.auxil.toggle_proxy import free_port
from vigie.core.settings import ROOT, Settings
from vigie.core.typography import NBSP

# The supervisor as ``python -m bot run`` runs it (logging set up the same way), over the
# services given as JSON: each an argv with the port Vigie would check.
DRIVER = """
import asyncio, json, logging, sys
from pathlib import Path
from bot.supervisor import Listen, Service, supervise

config = json.loads(sys.argv[1])
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
services = [
    Service(
        s["name"], s["label"], s["argv"], f"http://127.0.0.1:{s['port']}/",
        Path(config["log_dir"]) / f"{s['name']}.log", start_timeout=30,
        listen=Listen(s["port"], s["what"], s["setting"]),
    )
    for s in config["services"]
]
sys.exit(asyncio.run(supervise(
    services, log_dir=Path(config["log_dir"]), run_dir=Path(config["run_dir"]),
)))
"""

# A service that exits on GET /quit, once another program (its pid written to a file) has
# taken its port: what the watch must name instead of restarting the service.
HANDOVER = """
import http.server, socket, subprocess, sys, threading, time
port, pid_file, directory = int(sys.argv[1]), sys.argv[2], sys.argv[3]

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        if self.path == "/quit":
            threading.Thread(target=server.shutdown).start()

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", port), Handler)
server.serve_forever()
server.server_close()
argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
other = subprocess.Popen(argv, cwd=directory, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
open(pid_file, "w").write(str(other.pid))
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            break
    time.sleep(0.05)
sys.exit(3)
"""

LISTENING = "Vigie écoute Telegram. Ctrl-C pour arrêter."
# A normal space before : ; ? ! » or after « is wrong in French typography.
BAD_SPACING = re.compile(r" [:;?!»]|« ")


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {timeout} s: {what}")
        time.sleep(0.05)


def http_server(port: int) -> list[str]:
    """A real HTTP server on 127.0.0.1:``port`` (its ``/`` answers 200)."""
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


def holders(port: int) -> list[int]:
    use = port_in_use(port)
    return [info.pid for info in use.holders] if use else []


def gone(pid: int) -> bool:
    return process_info(pid) is None  # exited (a zombie counts: it holds nothing)


@dataclass
class Run:
    """One supervisor process, its output in files."""

    process: subprocess.Popen[bytes]
    out_path: Path
    err_path: Path

    @property
    def out(self) -> str:
        return self.out_path.read_text(encoding="utf-8") if self.out_path.exists() else ""

    @property
    def err(self) -> str:
        return self.err_path.read_text(encoding="utf-8")

    def wait_listening(self) -> None:
        wait_until(
            lambda: LISTENING in self.out or self.process.poll() is not None, 60, "services up"
        )
        assert LISTENING in self.out, self.out + self.err

    def wait_exit(self, timeout: float = 30) -> int:
        return self.process.wait(timeout=timeout)


@dataclass
class Lab:
    """Ports, directories and the processes of one test, all stopped at the end."""

    tmp: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    others: list[subprocess.Popen[bytes]] = field(default_factory=list)
    adopted: dict[int, int] = field(default_factory=dict)  # pid: start time

    def adopt(self, *pids: int) -> None:
        """Processes to kill at the end if still there (known by pid and start time)."""
        for pid in pids:
            info = process_info(pid)
            if info is not None:
                self.adopted[pid] = info.start

    def services(self, rasa_argv: list[str] | None = None) -> list[dict[str, object]]:
        return [
            {
                "name": "rasa",
                "label": "Rasa",
                "argv": rasa_argv or http_server(self.rasa_port),
                "port": self.rasa_port,
                "what": "Rasa",
                "setting": "RASA_PORT",
            },
            {
                "name": "actions",
                "label": "Serveur d’actions",
                "argv": http_server(self.actions_port),
                "port": self.actions_port,
                "what": "serveur d’actions",
                "setting": "ACTIONS_PORT",
            },
        ]

    def config(self, services: list[dict[str, object]]) -> str:
        return json.dumps(
            {
                "services": services,
                "log_dir": str(self.tmp / "log"),
                "run_dir": str(self.tmp / "run"),
            }
        )

    def start(
        self,
        services: list[dict[str, object]] | None = None,
        *,
        name: str = "run",
        stdout: int | None = None,
        process_group: int | None = None,
        terminal: int | None = None,
    ) -> Run:
        """The supervisor, its output in files, or in a pipe, or in ``terminal`` (a pty's
        slave end, which becomes its controlling terminal as in a shell's window)."""
        out_path, err_path = self.tmp / f"{name}.out", self.tmp / f"{name}.err"
        with out_path.open("wb") as out_file, err_path.open("wb") as err_file:
            process = subprocess.Popen(
                [sys.executable, "-c", DRIVER, self.config(services or self.services())],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=subprocess.DEVNULL if terminal is None else terminal,
                stdout=terminal or stdout or out_file,
                stderr=err_file,
                start_new_session=process_group is None,
                process_group=process_group,
                preexec_fn=None if terminal is None else _take_terminal,
            )
        self.others.append(process)
        return Run(process, out_path, err_path)

    def spawn(self, argv: list[str], **options: object) -> subprocess.Popen[bytes]:
        defaults: dict[str, object] = {
            "stdin": subprocess.DEVNULL,
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "start_new_session": True,
        }
        process = subprocess.Popen(argv, **{**defaults, **options})  # type: ignore[call-overload]
        self.others.append(process)
        return process

    def cleanup(self) -> None:
        for process in self.others:
            if process.poll() is None:
                process.kill()
        for pid, start in self.adopted.items():
            info = process_info(pid)
            if info is not None and info.start == start:
                os.kill(pid, signal.SIGKILL)
        for process in self.others:
            process.wait(timeout=10)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    lab = Lab(tmp_path)
    try:
        yield lab
    finally:
        lab.cleanup()


def children_of(lab: Lab) -> list[int]:
    """The pids listening on the two ports once both are up."""
    wait_until(lambda: holders(lab.rasa_port) and holders(lab.actions_port), 30, "two ports")
    pids = holders(lab.rasa_port) + holders(lab.actions_port)
    assert len(pids) == 2
    lab.adopt(*pids)  # killed at the end if the supervisor failed to
    return pids


def assert_clean(run: Run) -> None:
    assert "Traceback" not in run.err and "Exception" not in run.err, run.err
    shown = run.out.replace(supervisor.ALERT, "")  # a bullet, not punctuation
    assert not BAD_SPACING.search(shown), run.out


def test_sigkill_of_the_supervisor_kills_its_children(lab: Lab) -> None:
    run = lab.start()
    run.wait_listening()
    children = children_of(lab)

    os.kill(run.process.pid, signal.SIGKILL)

    wait_until(lambda: all(gone(pid) for pid in children), 10, "children killed")
    wait_until(lambda: not holders(lab.rasa_port) and not holders(lab.actions_port), 10, "ports")


def test_a_grandchild_left_by_a_sigkill_is_stopped_at_the_next_start(lab: Lab) -> None:
    # The kernel kills the children, not their own children: the record of the process
    # groups (var/run) lets the next start stop them.
    shell = ["sh", "-c", " ".join(http_server(lab.rasa_port)) + " & wait"]
    first = lab.start(lab.services(shell), name="first")
    first.wait_listening()
    grandchild, child = children_of(lab)
    lab.adopt(grandchild)
    os.kill(first.process.pid, signal.SIGKILL)
    wait_until(lambda: gone(child), 10, "the direct child killed")
    assert not gone(grandchild)  # what PR_SET_PDEATHSIG cannot do

    second = lab.start(name="second")
    second.wait_listening()

    assert gone(grandchild)
    assert f"Processus {grandchild} (python -m http.server {lab.rasa_port}" in second.out
    assert "laissé par un lancement précédent de Vigie" in second.out
    os.kill(second.process.pid, signal.SIGTERM)
    assert second.wait_exit() == 0
    assert_clean(second)


def _take_terminal() -> None:
    """In the child, after setsid: make its stdin its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def read_until(fd: int, text: str, timeout: float) -> str:
    """What a terminal shows, read from its master end until ``text`` appears."""
    shown = b""
    deadline = time.monotonic() + timeout
    while text not in shown.decode("utf-8", errors="replace"):
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} not shown after {timeout} s: {shown!r}")
        if select.select([fd], [], [], 0.1)[0]:
            shown += os.read(fd, 4096)
    return shown.decode("utf-8")


def test_a_closed_terminal_stops_the_children(lab: Lab) -> None:
    # The window is closed: the kernel hangs up the terminal, sends SIGHUP to the supervisor
    # (the session's leader here, as a shell would be), and later writes to it fail (EIO).
    master, slave = os.openpty()
    run = lab.start(terminal=slave)
    os.close(slave)
    read_until(master, LISTENING, 60)
    children = children_of(lab)

    os.close(master)

    assert run.wait_exit() == 0
    assert all(gone(pid) for pid in children)
    assert run.err == "", run.err


def test_sigterm_stops_the_children(lab: Lab) -> None:
    run = lab.start()
    run.wait_listening()
    children = children_of(lab)

    os.kill(run.process.pid, signal.SIGTERM)

    assert run.wait_exit() == 0
    assert all(gone(pid) for pid in children)
    assert not (lab.tmp / "run" / "supervisor.json").exists()
    assert run.out.rstrip().endswith("Arrêt de Vigie…")
    assert_clean(run)


def test_ctrl_c_with_the_output_piped_into_a_reader_that_exits_first(lab: Lab) -> None:
    # `make run | tee run.log`, then Ctrl-C: the whole foreground group gets SIGINT and tee,
    # gone first, leaves the supervisor writing into a broken pipe.
    (lab.tmp / "run.log").touch()
    tee = subprocess.Popen(
        ["tee", str(lab.tmp / "run.log")],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        process_group=0,  # a group of its own, that the supervisor joins (as in a shell)
    )
    lab.others.append(tee)
    assert tee.stdin is not None
    run = lab.start(stdout=tee.stdin.fileno(), process_group=tee.pid)
    tee.stdin.close()
    wait_until(lambda: LISTENING in (lab.tmp / "run.log").read_text(encoding="utf-8"), 60, "up")
    children = children_of(lab)

    os.kill(tee.pid, signal.SIGINT)
    tee.wait(timeout=10)
    os.killpg(tee.pid, signal.SIGINT)  # the group: tee's pid is its id

    assert run.wait_exit() == 0
    assert all(gone(pid) for pid in children)
    assert run.err == "", run.err  # no traceback, no « Exception ignored »


def test_a_port_taken_by_another_program_is_named_and_nothing_starts(lab: Lab) -> None:
    other = lab.spawn(http_server(lab.rasa_port), cwd=lab.tmp)
    wait_until(lambda: holders(lab.rasa_port), 10, "the other program listening")

    run = lab.start()

    assert run.wait_exit() == 1
    python = Path(sys.executable).name
    assert run.out == (
        f"Le port {lab.rasa_port} (Rasa) est déjà pris par le processus {other.pid} "
        f"({python} -m http.server {lab.rasa_port} --bind 127.0.0.1). Arrêtez-le, ou "
        "choisissez un autre port avec RASA_PORT dans .env.\n"
    )
    assert not (lab.tmp / "log").exists()  # no service was started
    assert holders(lab.rasa_port) == [other.pid] and not holders(lab.actions_port)
    assert_clean(run)


def test_a_running_supervisor_is_not_disturbed_by_a_second_one(lab: Lab) -> None:
    first = lab.start(name="first")
    first.wait_listening()
    children = children_of(lab)

    second = lab.start(name="second")

    assert second.wait_exit() == 1
    assert f"Vigie tourne déjà dans ce dossier (processus {first.process.pid}{NBSP}:" in second.out
    assert children_of(lab) == children and first.process.poll() is None
    assert_clean(second)


def test_a_leftover_action_server_of_this_checkout_is_stopped_and_the_start_goes_on(
    lab: Lab,
) -> None:
    # What the old supervisor left behind: Vigie's real action server, orphaned.
    argv = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port"]
    command = " ".join([*argv, str(lab.actions_port)])
    launcher = lab.spawn(
        ["sh", "-c", f"{command} >{lab.tmp / 'old-actions.log'} 2>&1 & echo $!"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert launcher.stdout is not None
    leftover = int(launcher.stdout.read())
    lab.adopt(leftover)
    launcher.wait(timeout=10)
    wait_until(lambda: holders(lab.actions_port) == [leftover], 60, "the old action server")

    run = lab.start()
    run.wait_listening()

    assert gone(leftover)
    python = Path(sys.executable).name
    assert (
        f"Processus {leftover} ({python} -m rasa_sdk --actions actions --port "
        f"{lab.actions_port}) laissé par un lancement précédent de Vigie{NBSP}: arrêté."
    ) in run.out
    assert holders(lab.actions_port) not in ([], [leftover])
    os.kill(run.process.pid, signal.SIGINT)
    assert run.wait_exit() == 0
    assert_clean(run)


def test_a_service_whose_port_was_taken_meanwhile_is_not_restarted_blindly(lab: Lab) -> None:
    pid_file = lab.tmp / "other.pid"
    handover = [sys.executable, "-c", HANDOVER, str(lab.rasa_port), str(pid_file), str(lab.tmp)]
    run = lab.start(lab.services(handover))
    run.wait_listening()
    children = children_of(lab)

    with urllib.request.urlopen(f"http://127.0.0.1:{lab.rasa_port}/quit", timeout=5):
        pass
    wait_until(pid_file.exists, 10, "the other program started")
    other = int(pid_file.read_text())
    lab.adopt(other)

    assert run.wait_exit() == 1
    python = Path(sys.executable).name
    assert (
        f"  ! Rasa s’est arrêté et son port {lab.rasa_port} est maintenant pris par le "
        f"processus {other} ({python} -m http.server {lab.rasa_port} --bind 127.0.0.1){NBSP}: "
        "Vigie s’arrête. Libérez ce port, ou choisissez-en un autre avec RASA_PORT dans .env."
    ) in run.out
    assert "redémarrage" not in run.out
    assert all(gone(pid) for pid in children) and holders(lab.rasa_port) == [other]
    assert_clean(run)


def test_a_port_is_taken_only_by_a_listener_in_the_way(lab: Lab) -> None:
    # /proc/net/tcp6 too; a listener on another address does not keep us from 127.0.0.1.
    with socket.socket(socket.AF_INET6) as loopback6, socket.socket(socket.AF_INET6) as anywhere:
        loopback6.bind(("::1", lab.rasa_port))
        loopback6.listen()
        anywhere.bind(("::", lab.actions_port))
        anywhere.listen()

        assert port_in_use(lab.rasa_port, "127.0.0.1") is None
        loopback_use = port_in_use(lab.rasa_port, "::1")
        assert loopback_use is not None and [p.pid for p in loopback_use.holders] == [os.getpid()]
        any_use = port_in_use(lab.actions_port, "127.0.0.1")
        assert any_use is not None and [p.pid for p in any_use.holders] == [os.getpid()]
    assert port_in_use(lab.actions_port, "127.0.0.1") is None


async def test_make_run_checks_the_webhook_port_before_starting_anything(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    other = lab.spawn(http_server(lab.rasa_port), cwd=lab.tmp)  # rasa_port: any free port
    wait_until(lambda: holders(lab.rasa_port), 10, "the other program listening")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr("123:abc"),
        telegram_mode="webhook",
        webhook_port=lab.rasa_port,
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
        database_url=f"sqlite+aiosqlite:///{lab.tmp / 'vigie.db'}",
    )

    try:
        assert await supervisor.run(settings) == 1
    finally:  # what building Rasa's command wrote, as `make run` does
        (ROOT / "var" / "run" / f"endpoints-{settings.actions_port}.yml").unlink(missing_ok=True)

    assert capsys.readouterr().out == (
        f"Le port {lab.rasa_port} (webhook Telegram) est déjà pris par le processus "
        f"{other.pid} ({Path(sys.executable).name} -m http.server {lab.rasa_port} --bind "
        "127.0.0.1). Arrêtez-le, ou choisissez un autre port avec WEBHOOK_PORT dans .env.\n"
    )


def children_pids(parent: int) -> list[int]:
    return [
        int(name)
        for name in os.listdir("/proc")
        if name.isdigit() and (info := process_info(int(name))) and info.ppid == parent
    ]


def test_ctrl_c_while_a_service_is_starting_stops_at_once(lab: Lab) -> None:
    # Rasa takes a minute to start: Ctrl-C meanwhile does not wait for it, nor fail the start.
    never_ready = [sys.executable, "-c", "import time; time.sleep(120)"]
    run = lab.start(lab.services(never_ready))
    wait_until(lambda: "Rasa démarre" in run.out, 30, "the start shown")
    children = children_pids(run.process.pid)
    lab.adopt(*children)
    assert len(children) == 2  # both started, Rasa's stand-in never ready

    os.killpg(run.process.pid, signal.SIGINT)  # the driver leads its own group

    assert run.wait_exit() == 0
    assert "n’a pas pu démarrer" not in run.out, run.out
    assert all(gone(pid) for pid in children)
    assert_clean(run)


def test_a_service_dying_again_and_again_stops_vigie_with_code_1(lab: Lab) -> None:
    # Answers its health check once, then exits: restarted 5 times, then Vigie gives up.
    once = (
        "import http.server, sys\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200)\n"
        "        self.end_headers()\n"
        "    def log_message(self, *args):\n"
        "        pass\n"
        f"http.server.HTTPServer(('127.0.0.1', {lab.rasa_port}), H).handle_request()\n"
        "sys.exit(3)\n"
    )
    run = lab.start(lab.services([sys.executable, "-c", once]))

    assert run.wait_exit(60) == 1
    assert run.out.count(f"  ! Rasa s’est arrêté{NBSP}; redémarrage…") == 5
    assert f"  ! Rasa s’est arrêté 6 fois{NBSP}: Vigie s’arrête." in run.out
    assert not holders(lab.actions_port)


def test_a_holder_that_cannot_be_identified_is_said_so(lab: Lab) -> None:
    # A listening socket held by no process's descriptor table, as another user's process
    # looks to us: its only reference travels in a message between two local sockets.
    listener = socket.create_server(("127.0.0.1", lab.rasa_port))
    sender, receiver = socket.socketpair()
    with sender, receiver:
        socket.send_fds(sender, [b"x"], [listener.fileno()])
        listener.close()
        use = port_in_use(lab.rasa_port)
        assert use is not None and use.holders == []

        run = lab.start()

        assert run.wait_exit() == 1
        assert run.out == (
            f"Le port {lab.rasa_port} (Rasa) est déjà pris par un processus qui n’a pas pu être "
            "identifié (sans doute celui d’un autre utilisateur). Libérez ce port, ou "
            "choisissez-en un autre avec RASA_PORT dans .env.\n"
        )
    assert_clean(run)
