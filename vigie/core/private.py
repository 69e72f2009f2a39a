"""Files Vigie writes are the service account's alone: database, journal, logs, ``.env``.

:func:`private_umask` is called first thing by every entry point (``python -m bot``, the
``vigie`` command line): what the process and its children (Rasa, the action server) create
afterwards is 0600 for files and 0700 for folders. :func:`make_private` tightens what an
earlier version left readable by others, under the project's ``var/`` folder.
"""

from __future__ import annotations

import itertools
import logging
import os
import stat
from pathlib import Path

__all__ = ["PRIVATE_UMASK", "make_private", "private_umask"]

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
MAX_FIXED = 10_000  # files looked at, at most (var/ holds a few dozen)
SKIPPED = frozenset({"corpora"})


def private_umask() -> None:
    """Files and folders created from now on are private to this account."""
    os.umask(PRIVATE_UMASK)


def make_private(folder: Path) -> int:
    """Remove the group's and others' permissions from ``folder`` and what it holds (this
    account's files only, symbolic links never followed); how many were changed."""
    if not folder.is_dir():
        return 0
    changed = 0
    uid = os.getuid()
    # Not the public corpora fetched for ``make eval`` (thousands of files, nothing private).
    found = (p for p in folder.rglob("*") if p.relative_to(folder).parts[0] not in SKIPPED)
    paths = [folder, *itertools.islice(found, MAX_FIXED)]
    for path in paths:
        try:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode) or info.st_uid != uid:
                continue
            if stat.S_IMODE(info.st_mode) & 0o077:
                path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
                changed += 1
        except OSError:
            continue
    if changed:
        logger.info("%s files or folders made private under var/", changed)
    return changed
