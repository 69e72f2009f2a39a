"""The systemd units of deploy/systemd/ (docs/deployment.md).

Each unit is read with a small parser (repeated keys kept, as systemd does): the service user,
the restart policy, the hardening, secrets left to the environment files, loopback only, and a
command that exists here and is the one ``python -m bot run`` starts (``bot/supervisor.py``),
with the same arguments. Then ``systemd-analyze verify`` (Debian's systemd, installed by
``make test``) reads them as systemd would, commands resolved in this checkout.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aiohttp.web_runner import BaseRunner
from pydantic import SecretStr

from bot.rasa_config import lock_lifetime, lock_store_config, tracker_store_config
from bot.supervisor import actions_service, bot_service, console_service, rasa_service
from tests.deploy.nginx import PRODUCTION, server_lines, upstream_block
from vigie.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
RASA_ENDPOINTS = ROOT / "deploy" / "rasa" / "endpoints.yml"
INSTALLED = "/opt/vigie"  # where the units expect the checkout
SERVICES = [
    "vigie-bot@.service",
    "vigie-rasa@.service",
    "vigie-actions.service",
    "vigie-console.service",
]
# What only an environment file may hold.
SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|DATABASE_URL|REDIS_URL|SMTP_|_KEY")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}
POSTGRES_URL = "postgresql+asyncpg://vigie:pw@127.0.0.1:5432/vigie"
REDIS_URL = "redis://:pw@127.0.0.1:6379/0"


@dataclass(frozen=True)
class Unit:
    name: str
    sections: dict[str, list[tuple[str, str]]]

    @classmethod
    def read(cls, name: str) -> Unit:
        sections: dict[str, list[tuple[str, str]]] = {}
        current: str | None = None
        for number, raw in enumerate((UNITS / name).read_text().splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            assert not line.endswith("\\"), f"{name}:{number}: no continuation lines"
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1]
                sections.setdefault(current, [])
                continue
            key, equals, value = line.partition("=")
            assert equals and current is not None, f"{name}:{number}: {line}"
            sections[current].append((key.strip(), value.strip()))
        return cls(name, sections)

    def all(self, section: str, key: str) -> list[str]:
        return [v for k, v in self.sections.get(section, []) if k == key]

    def get(self, section: str, key: str) -> str | None:
        values = self.all(section, key)
        return values[-1] if values else None

    def command(self) -> tuple[dict[str, str], list[str]]:
        """ExecStart: the variables it sets through ``/usr/bin/env`` and the command itself."""
        (line,) = self.all("Service", "ExecStart")
        words = shlex.split(line)
        assigned: dict[str, str] = {}
        if words[0] == "/usr/bin/env":
            words = words[1:]
            while words and re.match(r"^[A-Z_]+=", words[0]):
                key, _, value = words.pop(0).partition("=")
                assigned[key] = value
        return assigned, words

    def environment(self) -> dict[str, str]:
        """Every variable the unit itself sets (Environment= lines, then ExecStart's env)."""
        variables: dict[str, str] = {}
        for line in self.all("Service", "Environment"):
            for word in shlex.split(line):
                key, _, value = word.partition("=")
                variables[key] = value
        variables.update(self.command()[0])
        return variables


def here(path: str) -> str:
    """A path of the installed checkout, in this checkout."""
    return path.replace(INSTALLED, str(ROOT))


def test_the_units_are_all_there() -> None:
    assert sorted(p.name for p in UNITS.iterdir()) == sorted([*SERVICES, "vigie.target"])
    target = Unit.read("vigie.target")
    assert target.get("Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", SERVICES)
def test_a_unit_runs_as_vigie_hardened_and_restarted(name: str) -> None:
    unit = Unit.read(name)
    service = "Service"
    assert unit.get(service, "Type") == "simple"
    assert unit.get(service, "User") == "vigie"
    assert unit.get(service, "Group") == "vigie"
    assert unit.get(service, "WorkingDirectory") == INSTALLED
    assert unit.get(service, "Restart") == "on-failure"
    for key, value in HARDENING.items():
        assert unit.get(service, key) == value, key
    assert unit.all(service, "ReadWritePaths") == [f"{INSTALLED}/var"]
    assert unit.get(service, "StateDirectory") == "vigie"  # $HOME: Rasa writes its config
    assert unit.environment()["HOME"] == "/var/lib/vigie"
    assert unit.get(service, "KillSignal") == "SIGTERM"
    assert int(unit.get(service, "TimeoutStopSec") or 0) >= 30
    assert unit.get("Unit", "PartOf") == "vigie.target"
    assert unit.get("Install", "WantedBy") == "vigie.target"


@pytest.mark.parametrize("name", SERVICES)
def test_secrets_come_from_an_environment_file_only(name: str) -> None:
    unit = Unit.read(name)
    files = unit.all("Service", "EnvironmentFile")
    assert len(files) == 1 and files[0].startswith("/etc/vigie/"), files
    for key in unit.environment():
        assert not SECRET_NAMES.search(key), f"{name}: {key} belongs in {files[0]}"


def test_the_bot_stop_outlasts_the_webhook_s_own() -> None:
    """SIGTERM: the webhook's server finishes the updates being stored (aiohttp waits up to its
    shutdown timeout), then the bot closes; systemd must not kill it before."""
    unit = Unit.read("vigie-bot@.service")
    shutdown = inspect.signature(BaseRunner.__init__).parameters["shutdown_timeout"].default
    assert int(unit.get("Service", "TimeoutStopSec") or 0) >= shutdown + 20


@pytest.mark.parametrize("name", SERVICES)
def test_a_unit_runs_a_command_of_this_checkout(name: str) -> None:
    _, argv = Unit.read(name).command()
    executable = Path(here(argv[0]))
    assert argv[0].startswith(f"{INSTALLED}/"), argv[0]
    assert executable.is_file() and os.access(executable, os.X_OK), executable
    if argv[1:2] == ["-m"]:
        module = argv[2]
        found = subprocess.run(
            [str(executable), "-c", f"import importlib.util as u; print(u.find_spec({module!r}))"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert found.returncode == 0 and found.stdout.strip() != "None", (module, found)


def test_the_bot_unit_runs_the_telegram_front_end_only() -> None:
    _, argv = Unit.read("vigie-bot@.service").command()
    assert argv[1:] == ["-m", "bot", "telegram"]
    usage = subprocess.run(
        [here(argv[0]), "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "telegram: the Telegram bot only" in " ".join(usage.stdout.split())


def _supervisor_services(tmp_path: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """What ``python -m bot run`` starts: argv and environment, per unit."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=POSTGRES_URL, redis_url=SecretStr(REDIS_URL)
    )
    log_dir = tmp_path / "log"
    rasa = rasa_service(settings, log_dir)
    actions = actions_service(settings, log_dir)
    return {
        "vigie-rasa@.service": (rasa.argv, rasa.env),
        "vigie-actions.service": (actions.argv, actions.env),
        "vigie-console.service": (console_service(settings, log_dir).argv, {}),
        "vigie-bot@.service": (bot_service(log_dir).argv, {}),
    }


@pytest.mark.parametrize("name", SERVICES)
def test_a_unit_starts_its_process_as_the_supervisor_does(name: str, tmp_path: Path) -> None:
    argv, env = _supervisor_services(tmp_path)[name]
    unit = Unit.read(name)
    _, command = unit.command()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    endpoints = next((a for a in argv if a.endswith(".yml") and "endpoints" in a), None)
    mapped = []
    for word in command:
        word = here(word)
        if name == "vigie-rasa@.service":
            word = word.replace("%i", str(settings.rasa_port))
            word = endpoints if word == "/etc/vigie/endpoints.yml" and endpoints else word
        mapped.append(word)
    assert mapped == argv
    environment = {k: here(v) for k, v in unit.environment().items()}
    for key, value in env.items():
        if key.startswith("VIGIE_"):  # the passwords: from /etc/vigie/rasa.env
            continue
        assert environment.get(key) == value, key


def test_every_internal_process_listens_on_loopback_only() -> None:
    rasa = Unit.read("vigie-rasa@.service").command()[1]
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert "--enable-api" not in rasa  # Rasa's HTTP API (it can replace the model) stays closed
    # Given on the command line: an EnvironmentFile= would override Environment=.
    assert Unit.read("vigie-actions.service").command()[0] == {"SANIC_HOST": "127.0.0.1"}
    assert Unit.read("vigie-bot@.service").command()[0]["WEBHOOK_LISTEN"] == "127.0.0.1"


def test_each_bot_instance_is_one_process_of_its_own() -> None:
    """vigie-bot@PORT: the webhook's port, BOT_INSTANCE and the sent journal's folder, all
    from the instance name (nginx's upstream lists those ports), taken by Vigie's settings."""
    assigned, _ = Unit.read("vigie-bot@.service").command()
    ports = [
        int(address.rsplit(":", 1)[1])
        for address, _ in server_lines(upstream_block(PRODUCTION.read_text(), "vigie_bots"))
    ]
    assert len(ports) >= 2
    seen: set[tuple[object, ...]] = set()
    for port in ports:
        values = {k.lower(): v.replace("%i", str(port)) for k, v in assigned.items()}
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
        assert settings.telegram_mode == "webhook"
        assert settings.webhook_port == port
        assert settings.bot_instance == f"bot-{port}"
        assert settings.journal_dir == Path(f"{INSTALLED}/var/journal/bot-{port}")
        seen.add((settings.webhook_port, settings.bot_instance, settings.journal_dir))
    assert len(seen) == len(ports)


def test_rasa_s_endpoints_are_those_the_supervisor_writes() -> None:
    """deploy/rasa/endpoints.yml: the sections bot/rasa_config.py writes for the example
    DATABASE_URL and REDIS_URL, the action server's port, and Rasa's lock lifetime."""
    endpoints = yaml.safe_load(RASA_ENDPOINTS.read_text())
    tracker_store = tracker_store_config(POSTGRES_URL)
    assert tracker_store is not None
    assert endpoints["tracker_store"] == yaml.safe_load(tracker_store.yaml())["tracker_store"]
    timeout = Settings(_env_file=None).rasa_timeout_seconds  # type: ignore[call-arg]
    lock_store = lock_store_config(REDIS_URL, lock_lifetime(timeout))
    assert endpoints["lock_store"] == yaml.safe_load(lock_store.yaml())["lock_store"]
    actions = Unit.read("vigie-actions.service").command()[1]
    port = actions[actions.index("--port") + 1]
    assert endpoints["action_endpoint"] == {"url": f"http://127.0.0.1:{port}/webhook"}
    rasa = Unit.read("vigie-rasa@.service").environment()
    assert rasa["TICKET_LOCK_LIFETIME"] == lock_store.env["TICKET_LOCK_LIFETIME"]


def test_systemd_reads_the_units(tmp_path: Path) -> None:
    """``systemd-analyze verify``: no unknown key or bad value, every command executable
    (the units copied with this checkout in place of /opt/vigie)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: make test installs it (make reverse-proxy)"
    for path in UNITS.iterdir():
        (tmp_path / path.name).write_text(here(path.read_text()))
    names = [
        "vigie-bot@8443.service",
        "vigie-bot@8444.service",
        "vigie-rasa@5005.service",
        "vigie-actions.service",
        "vigie-console.service",
        "vigie.target",
    ]
    result = subprocess.run(
        [analyze, "verify", *names],
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:", "SYSTEMD_LOG_LEVEL": "info"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
