"""Debian's nginx for the deployment's tests (installed by ``make test`` through ``make
reverse-proxy``), started in the foreground with a configuration of its own in a temporary
folder: never the system's service, no root needed.

Two configurations, both built from the repository's files (``deploy/nginx/``):

* :func:`front_config`: ``deploy/nginx/test.conf.in`` filled in: the production webhook location
  (``snippets/vigie-webhook.conf``) and the production upstream's parameters in front of the
  test's stand-ins, plain HTTP on a free port.
* :func:`production_config`: ``deploy/nginx/vigie.conf`` itself, with only what ties it to a
  machine changed: the certificate (a self-signed one of the test), the log folder, the ports
  it listens on (``nginx -t`` binds them too: 443 and 80 would need root and a free machine)
  and the ports of the processes behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "deploy" / "nginx"
PRODUCTION = NGINX_DIR / "vigie.conf"
SNIPPETS = NGINX_DIR / "snippets"
TEST_TEMPLATE = NGINX_DIR / "test.conf.in"

WEBHOOK_HOST = "vigie.example.org"
CONSOLE_HOST = "console.vigie.example.org"
WEBHOOK_PATH = "/telegram"
CERTIFICATE = "/etc/ssl/vigie/fullchain.pem"
PRIVATE_KEY = "/etc/ssl/vigie/privkey.pem"
LOG_DIR = "/var/log/nginx/"
START_TIMEOUT_SECONDS = 15.0


def nginx_binary() -> str:
    """The path of Debian's nginx (``/usr/sbin`` is not on a normal user's PATH)."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise RuntimeError("nginx is missing: make test installs it (make reverse-proxy)")
    return found


def upstream_block(text: str, name: str) -> str:
    """The ``upstream NAME { … }`` block of a configuration."""
    match = re.search(r"^upstream " + re.escape(name) + r" \{\n(?:.*\n)*?\}\n", text, re.M)
    if match is None:
        raise AssertionError(f"no upstream {name} in the configuration")
    return match.group(0)


def server_lines(block: str) -> list[tuple[str, str]]:
    """The ``server ADDRESS PARAMETERS;`` lines of an upstream block: (address, parameters)."""
    return [
        (m.group(1), m.group(2).strip())
        for m in re.finditer(r"^\s*server (\S+)([^;]*);", block, re.M)
    ]


def with_ports(block: str, ports: list[int]) -> str:
    """An upstream block with its servers replaced by ``127.0.0.1:PORT`` for ``ports``, each
    with the parameters of the block's first server (all of them share them)."""
    servers = server_lines(block)
    parameters = {p for _, p in servers}
    assert len(parameters) == 1, f"the servers' parameters differ: {parameters}"
    (shared,) = parameters
    lines = block.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip().startswith("server "))
    kept = [line for line in lines if not line.strip().startswith("server ")]
    new = [f"    server 127.0.0.1:{port} {shared};\n" for port in ports]
    return "".join(kept[:first] + new + kept[first:])


def front_config(root: Path, port: int, bot_ports: list[int]) -> Path:
    """Write the tests' configuration in ``root``; its path."""
    upstream = with_ports(upstream_block(PRODUCTION.read_text(), "vigie_bots"), bot_ports)
    text = TEST_TEMPLATE.read_text()
    for placeholder, value in {
        "@ROOT@": str(root),
        "@PORT@": str(port),
        "@WEBHOOK_PATH@": WEBHOOK_PATH,
        "@SNIPPETS@": str(SNIPPETS),
        "@UPSTREAM@": upstream,
    }.items():
        text = text.replace(placeholder, value)
    assert "@" not in re.sub(r"(?m)^\s*#.*$", "", text), "a placeholder is left"
    return _write(root, text)


@dataclass
class ProductionPorts:
    https: int
    http: int
    bots: list[int]
    console: int


def production_config(root: Path, ports: ProductionPorts, certificate: Path, key: Path) -> Path:
    """Write ``deploy/nginx/vigie.conf`` with this machine's ports and files, inside a main
    configuration of the test's (pid, logs and temporary files in ``root``), with the webhook
    snippet where nginx's relative ``include snippets/…`` finds it; its path."""
    text = PRODUCTION.read_text()
    replaced = {
        CERTIFICATE: str(certificate),
        PRIVATE_KEY: str(key),
        LOG_DIR: f"{root}/",
    }
    for old, new in replaced.items():
        assert old in text, old
        text = text.replace(old, new)
    text = re.sub(r"(?m)^\s*listen \[::\]:\d+[^;]*;\n", "", text)  # no IPv6 here
    text = re.sub(r"(?m)^(\s*listen )443\b", rf"\g<1>127.0.0.1:{ports.https}", text)
    text = re.sub(r"(?m)^(\s*listen )80\b", rf"\g<1>127.0.0.1:{ports.http}", text)
    assert not re.search(r"(?m)^\s*listen (?!127\.0\.0\.1:)", text), "a listen left unchanged"
    text = text.replace(
        upstream_block(text, "vigie_bots"),
        with_ports(upstream_block(text, "vigie_bots"), ports.bots),
    )
    text = text.replace(
        upstream_block(text, "vigie_console"),
        with_ports(upstream_block(text, "vigie_console"), [ports.console]),
    )
    (root / "snippets").mkdir(exist_ok=True)
    shutil.copy(SNIPPETS / "vigie-webhook.conf", root / "snippets" / "vigie-webhook.conf")
    (root / "vigie.conf").write_text(text)
    main = f"""\
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{
    worker_connections 64;
}}
http {{
    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;
    access_log {root}/access.log;
    include vigie.conf;
}}
"""
    return _write(root, main)


def _write(root: Path, text: str) -> Path:
    (root / "temp").mkdir(exist_ok=True)
    path = root / "nginx.conf"
    path.write_text(text)
    return path


def check(config: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``config`` (its folder is nginx's prefix)."""
    root = config.parent
    return subprocess.run(
        [nginx_binary(), "-t", "-p", str(root), "-c", str(config), "-e", str(root / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )


def self_signed(root: Path, names: list[str]) -> tuple[Path, Path]:
    """A self-signed RSA certificate for ``names`` and its key, written in ``root`` (RSA, so
    that a client offering only RSA key exchange, without forward secrecy, could agree)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = root / "fullchain.pem", root / "privkey.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return certificate_path, key_path


@dataclass
class Nginx:
    """nginx in the foreground on ``config``; ``port``: where it is ready once it accepts."""

    config: Path
    port: int
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.config.parent

    async def start(self) -> Nginx:
        root = self.root
        self.process = await asyncio.create_subprocess_exec(
            nginx_binary(),
            *("-p", str(root), "-c", str(self.config), "-e", str(root / "error.log")),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()[-2000:]}")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            await asyncio.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {self.error_log()[-2000:]}")

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGQUIT)  # graceful: the requests in flight are finished
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log(self, name: str) -> str:
        path = self.root / name
        return path.read_text(errors="replace") if path.exists() else ""
