"""What Vigie writes is private to its account."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from vigie.core.private import make_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_created_after_the_umask_are_private(tmp_path: Path) -> None:
    """In a process of its own (the umask is the process's): a database, a folder, a log."""
    script = (
        "import sqlite3, sys; from pathlib import Path\n"
        "from vigie.core.private import private_umask\n"
        "private_umask(); root = Path(sys.argv[1])\n"
        "(root / 'var' / 'log').mkdir(parents=True)\n"
        "(root / 'var' / 'log' / 'bot.log').write_text('x')\n"
        "sqlite3.connect(root / 'var' / 'vigie.db').execute('create table t (a)').connection.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=60)
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "log") == 0o700
    assert mode(tmp_path / "var" / "log" / "bot.log") == 0o600
    assert mode(tmp_path / "var" / "vigie.db") == 0o600


def test_what_an_earlier_version_left_readable_is_tightened(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "log").mkdir(parents=True)
    (var / "vigie.db").write_bytes(b"")
    (var / "log" / "rasa.log").write_text("x")
    (var / "corpora" / "phishing_pot").mkdir(parents=True)
    (var / "corpora" / "phishing_pot" / "a.eml").write_text("x")
    for path in (var, var / "log", var / "corpora"):
        path.chmod(0o755)
    for path in (
        var / "vigie.db",
        var / "log" / "rasa.log",
        var / "corpora" / "phishing_pot" / "a.eml",
    ):
        path.chmod(0o644)
    (var / "link").symlink_to("/etc/hostname")
    assert make_private(var) == 4  # var, log, vigie.db, rasa.log; corpora left alone
    assert mode(var) == 0o700 and mode(var / "log") == 0o700
    assert mode(var / "vigie.db") == 0o600 and mode(var / "log" / "rasa.log") == 0o600
    assert mode(var / "corpora" / "phishing_pot" / "a.eml") == 0o644
    assert mode(Path("/etc/hostname")) & 0o044  # a link is never followed
    assert make_private(var) == 0
    assert os.getuid() == var.stat().st_uid


def test_make_env_never_writes_a_readable_secret(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3]
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / ".env.example").write_text("PSEUDONYM_SECRET=\nOTHER=1\n")
    subprocess.run(
        ["sh", str(root / "scripts" / "make-env.sh")], cwd=tmp_path, check=True, timeout=60,
        capture_output=True,
    )  # fmt: skip
    env = tmp_path / ".env"
    assert mode(env) == 0o600
    secret = env.read_text().splitlines()[0].split("=", 1)[1]
    assert len(secret) == 64
