"""A real IMAP server for the reporting mailbox's tests: Dovecot (Debian's ``dovecot-imapd``,
installed by ``make test``), started on a free loopback port with a configuration of its own in
a temporary folder, one mailbox user, plain IMAP or IMAPS (a self-signed certificate made with
``openssl``). Never the system's service.

``deliver`` puts a message in the mailbox (IMAP APPEND, as a mail server's delivery would);
``keywords`` tells which flags a message carries.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.auxil.toggle_proxy import free_port

USER = "signalement"
PASSWORD = "mot-de-passe-du-test"
START_TIMEOUT_SECONDS = 15.0

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:{root}/home/%u/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
"""


def available() -> bool:
    """Whether Dovecot is installed (``make test`` installs it)."""
    return shutil.which("dovecot") is not None or Path("/usr/sbin/dovecot").exists()


class Dovecot:
    """A private Dovecot on loopback; ``tls`` serves IMAPS with a self-signed certificate."""

    def __init__(self, *, tls: bool = False) -> None:
        self.tls = tls
        self.port = free_port()
        self._other_port = free_port()
        self._root = Path(tempfile.mkdtemp(prefix="vigie-dovecot-"))
        self._process: subprocess.Popen[bytes] | None = None
        self.certificate: Path | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def _accounts(self) -> tuple[int, int, str, str]:
        """The uid/gid the mail belongs to and the users Dovecot's own processes run as."""
        if os.getuid() == 0:  # root: Dovecot's packaged users (it refuses mail as uid 0)
            mail = pwd.getpwnam("dovecot")
            return mail.pw_uid, mail.pw_gid, "dovecot", "dovenull"
        me = pwd.getpwuid(os.getuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name

    def start(self) -> Dovecot:
        if not available():
            raise RuntimeError(
                "Dovecot is missing: make test installs it (apt-get install dovecot-imapd); "
                "VIGIE_SKIP_IMAP=1 skips the reporting mailbox's tests"
            )
        uid, gid, internal, login = self._accounts()
        for folder in ("run", "state", "home"):
            (self._root / folder).mkdir()
        (self._root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        ssl_files = ""
        if self.tls:
            self.certificate = self._root / "cert.pem"
            key = self._root / "key.pem"
            subprocess.run(
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(self.certificate),
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )  # fmt: skip
            ssl_files = f"ssl_cert = <{self.certificate}\nssl_key = <{key}"
        imap_port, imaps_port = (self._other_port, self.port) if self.tls else (self.port, 0)
        config = self._root / "dovecot.conf"
        config.write_text(
            _CONFIG.format(
                root=self._root,
                ssl="required" if self.tls else "no",
                ssl_files=ssl_files,
                internal=internal,
                login=login,
                uid=uid,
                gid=gid,
                imap_port=imap_port,
                imaps_port=imaps_port,
            )
        )
        home = self._root / "home"
        os.chown(home, uid, gid)
        # Dovecot's own users read these whatever this process's umask (the CLI's is 077).
        for path in (self._root, *self._root.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        self._process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def log(self) -> str:
        path = self._root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- the mailbox, as a mail client sees it -------------------------------------------------

    def env(self) -> dict[str, str]:
        """The application's settings for this mailbox."""
        return {
            "REPORT_MAILBOX_HOST": "127.0.0.1",
            "REPORT_MAILBOX_PORT": str(self.port),
            "REPORT_MAILBOX_SECURITY": "ssl" if self.tls else "none",
            "REPORT_MAILBOX_USER": USER,
            "REPORT_MAILBOX_PASSWORD": PASSWORD,
        }

    def _client(self) -> imaplib.IMAP4:
        if self.tls:
            context = ssl.create_default_context(cafile=str(self.certificate))
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                "127.0.0.1", self.port, ssl_context=context, timeout=10
            )
        else:
            client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, message: bytes, folder: str = "INBOX") -> int:
        """Put ``message`` in the mailbox; its UID."""
        client = self._client()
        try:
            status, data = client.append(folder, None, None, message)
            assert status == "OK", data
            text = data[0].decode() if data and isinstance(data[0], bytes) else ""
            return int(text.split("APPENDUID", 1)[1].split()[1].rstrip("]"))
        finally:
            client.logout()

    def clear(self) -> None:
        """Delete every message of the mailbox."""
        client = self._client()
        try:
            client.select("INBOX")
            _status, data = client.uid("SEARCH", None, "ALL")
            if data and data[0]:
                client.uid("STORE", "1:*", "+FLAGS.SILENT", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()

    def flags(self) -> dict[int, set[str]]:
        """Every message's UID and flags."""
        client = self._client()
        try:
            client.select("INBOX")
            _status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            result: dict[int, set[str]] = {}
            for item in data:
                if not isinstance(item, bytes):
                    continue
                text = item.decode()
                if "UID" not in text:
                    continue
                uid = int(text.split("UID", 1)[1].split()[0].rstrip(")"))
                inner = text.split("FLAGS (", 1)[1].split(")", 1)[0]
                result[uid] = set(inner.split())
            return result
        finally:
            client.logout()
