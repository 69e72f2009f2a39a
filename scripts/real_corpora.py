"""Real, public e-mail corpora for ``make eval``: nobody on the project wrote them.

Their licences do not let Vigie ship them (phishing_pot is CC BY-NC), so only the lists are
committed: ``tests/data/real_mail/<corpus>.tsv`` names each message used, its part (``tuning``
or ``heldout``, drawn once from a keyed hash of its path, seed ``SEED``) and its language
(``fr`` or ``other``, from the words of its subject and text). The messages themselves are
fetched into ``var/corpora/<corpus>/`` (git-ignored) at the recorded commit:

    .venv/bin/python scripts/real_corpora.py fetch       # make corpora
    .venv/bin/python scripts/real_corpora.py manifest    # once, when a corpus is added

``fetch`` reads a local snapshot of the repository when there is one (``CORPUS_MIRROR``,
default ``/work/.mirror``, laid out as ``<owner>+<name>/repo``), otherwise clones it from
GitHub. Rules are tuned on the ``tuning`` part only; the ``heldout`` part is measured once per
set of rules (see docs/phishing.md, « Corpus réels »).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vigie.phishing.mailcheck.limits import Deadline, Limits  # noqa: E402
from vigie.phishing.mailcheck.parse import parse_eml  # noqa: E402

CORPORA_DIR = ROOT / "var" / "corpora"
MANIFESTS = ROOT / "tests" / "data" / "real_mail"
SEED = "vigie-real-mail-2026-12"
HELDOUT_SHARE = 0.3


@dataclass(frozen=True)
class Corpus:
    name: str
    repo: str  # owner/name on GitHub
    commit: str
    folders: tuple[str, ...]  # where the messages are, in the repository
    label: str  # phishing | legit
    licence: str
    note: str = ""
    suffixes: tuple[str, ...] = (".eml",)
    # At most this many messages, drawn with the seed (None: all of them).
    limit: int | None = None


# The SpamAssassin public corpus, as packaged by stdlib-js (both of its ham folders are used).
SPAMASSASSIN: dict[str, Any] = {
    "repo": "stdlib-js/datasets-spam-assassin",
    "commit": "1b84d49ab4b28092ead009b3ceeb67ae525289d1",
    "label": "legit",
    "licence": "SpamAssassin public corpus; stdlib-js: data ODC PDDL 1.0, contents CC0",
    "suffixes": (".txt",),
}

CORPORA: dict[str, Corpus] = {
    corpus.name: corpus
    for corpus in (
        Corpus(
            name="phishing_pot",
            repo="rf-peixoto/phishing_pot",
            commit="8e207b5f465bf72c2326551b1a9b2ba67f3b4ef6",
            folders=("email",),
            label="phishing",
            licence="CC BY-NC 4.0",
            note="real phishing caught by honeypots, 2022-2026, anonymised (phishing@pot)",
        ),
        Corpus(
            name="spamassassin_hard_ham",
            folders=("data/hard-ham-1",),
            note="real newsletters and commercial mail, 2002, English",
            **SPAMASSASSIN,
        ),
        Corpus(
            name="spamassassin_easy_ham",
            folders=("data/easy-ham-1",),
            note="real mailing-list and personal mail, 2002, English; 600 of 2,500 drawn",
            limit=600,
            **SPAMASSASSIN,
        ),
        Corpus(
            name="james_fr",
            repo="apache/james-project",
            commit="20bf8083e39be4a750f606e576a162087bb3f18a",
            folders=(
                "mailbox/store/src/test/resources/eml/frnog.eml",
                "mailbox/store/src/test/resources/eml/filenameAndName.eml",
            ),
            label="legit",
            licence="Apache-2.0",
            note="the only real French legitimate mail found in public repositories: a FRnOG "
            "mailing-list post (2015) and an internal Linagora mail",
        ),
    )
}


def mirror_dir(corpus: Corpus) -> Path:
    owner, name = corpus.repo.split("/")
    return Path(os.environ.get("CORPUS_MIRROR", "/work/.mirror")) / f"{owner}+{name}" / "repo"


def corpus_dir(corpus: Corpus) -> Path:
    return CORPORA_DIR / corpus.name


def fetch(corpus: Corpus) -> Path:
    """The corpus's files under ``var/corpora/<name>/``, at its commit (fetched once)."""
    target = corpus_dir(corpus)
    stamp = target / ".commit"
    if stamp.exists() and stamp.read_text().strip() == corpus.commit:
        return target
    git_dir = mirror_dir(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        if not git_dir.exists():
            clone = Path(tmp) / "clone"
            subprocess.run(
                [
                    "git",
                    "clone",
                    "--quiet",
                    "--no-checkout",
                    f"https://github.com/{corpus.repo}",
                    str(clone),
                ],
                check=True,
                timeout=1800,
            )
            git_dir = clone / ".git"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        missing = _extract(git_dir, corpus, target)
    if missing:
        print(f"  {corpus.name}: {missing} files absent from the snapshot, skipped")
    stamp.write_text(corpus.commit + "\n")
    return target


def _extract(git_dir: Path, corpus: Corpus, target: Path) -> int:
    """Write the corpus's files at its commit under ``target`` (one ``git cat-file --batch``);
    the number of files whose content the snapshot lacks (its largest may be absent)."""
    listing = subprocess.run(
        [
            "git",
            "--git-dir",
            str(git_dir),
            "ls-tree",
            "-r",
            "-z",
            corpus.commit,
            "--",
            *corpus.folders,
        ],
        check=True,
        capture_output=True,
        timeout=600,
    ).stdout
    blobs: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        _mode, kind, sha = meta.decode().split()
        if kind == "blob" and path.decode().lower().endswith(corpus.suffixes):
            blobs.append((sha, path.decode()))
    batch = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha, _ in blobs).encode(),
        capture_output=True,
        check=True,
        timeout=600,
    ).stdout
    missing, pos = 0, 0
    for _sha, path in blobs:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            missing += 1
            continue
        size = int(header[2])
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(batch[pos : pos + size])
        pos += size + 1
    return missing


def files_of(corpus: Corpus) -> list[str]:
    """Paths (relative to the corpus folder) of its messages, sorted."""
    base = corpus_dir(corpus)
    found = [
        path.relative_to(base).as_posix()
        for folder in corpus.folders
        for path in ([base / folder] if (base / folder).is_file() else (base / folder).rglob("*"))
        if path.is_file() and path.name.lower().endswith(corpus.suffixes)
    ]
    if corpus.limit is not None:
        found = sorted(found, key=_draw)[: corpus.limit]
    return sorted(found)


def _draw(path: str) -> bytes:
    return hashlib.sha256(f"{SEED}:draw:{path}".encode()).digest()


def part_of(path: str) -> str:
    """``heldout`` for a fixed ``HELDOUT_SHARE`` of the paths, ``tuning`` for the others."""
    digest = hashlib.sha256(f"{SEED}:{path}".encode()).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") / 2**64 < HELDOUT_SHARE else "tuning"


_FR = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "est",
        "vous",
        "votre",
        "vos",
        "pour",
        "dans",
        "une",
        "avec",
        "sur",
        "pas",
        "nous",
        "par",
        "qui",
        "que",
        "du",
        "au",
        "aux",
        "cette",
        "etre",
        "ete",
        "sont",
        "mais",
        "ou",
        "tres",
        "plus",
        "ce",
        "ces",
        "notre",
        "nos",
        "il",
        "elle",
        "afin",
        "merci",
        "bonjour",
        "madame",
        "monsieur",
        "compte",
        "colis",
        "ici",
    ]
)
_EN = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "for",
        "with",
        "this",
        "that",
        "are",
        "our",
        "from",
        "have",
        "will",
        "not",
        "please",
        "is",
        "to",
        "of",
        "it",
        "be",
        "on",
        "by",
        "we",
        "an",
        "at",
        "as",
        "can",
        "all",
        "been",
        "has",
        "here",
        "account",
        "dear",
    ]
)
# Portuguese, Spanish, Italian, German: read as French by the two lists above otherwise.
_OTHER = frozenset(
    [
        "voce",
        "seu",
        "sua",
        "nao",
        "para",
        "com",
        "uma",
        "por",
        "esta",
        "ola",
        "pedido",
        "do",
        "da",
        "os",
        "em",
        "no",
        "na",
        "seus",
        "suas",
        "obrigado",
        "el",
        "los",
        "las",
        "usted",
        "su",
        "tu",
        "es",
        "y",
        "con",
        "gracias",
        "hola",
        "cuenta",
        "il",
        "della",
        "per",
        "non",
        "sono",
        "grazie",
        "und",
        "der",
        "die",
        "das",
        "sie",
        "ist",
        "nicht",
        "mit",
        "fur",
        "ihr",
        "ihre",
        "konto",
        "bitte",
    ]
)
_WORD = re.compile(r"[a-z]+")


def language_of(data: bytes) -> str:
    """``fr`` when the subject and text read as French, ``other`` otherwise."""
    mail = parse_eml(data, Limits(), Deadline(10.0))
    text = unicodedata.normalize("NFKD", f"{mail.subject}\n{mail.text}"[:20000].lower())
    words = _WORD.findall(text.encode("ascii", "ignore").decode())
    fr = sum(1 for w in words if w in _FR)
    others = max(sum(1 for w in words if w in _EN), sum(1 for w in words if w in _OTHER))
    return "fr" if fr >= 6 and fr > 1.5 * others else "other"


def read_message(path: Path) -> bytes:
    """A message's bytes, without the mbox envelope line some corpora keep (``From x date``),
    which a reporter's file never has."""
    data = path.read_bytes()
    if data.startswith(b"From ") and b":" not in data.split(b"\n", 1)[0].split(b" ", 2)[1]:
        return data.split(b"\n", 1)[1] if b"\n" in data else b""
    return data


def manifest_path(corpus: Corpus) -> Path:
    return MANIFESTS / f"{corpus.name}.tsv"


def write_manifest(corpus: Corpus) -> Path:
    fetch(corpus)
    rows = []
    for path in files_of(corpus):
        data = read_message(corpus_dir(corpus) / path)
        rows.append(f"{path}\t{part_of(path)}\t{language_of(data)}")
    out = manifest_path(corpus)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# {corpus.repo} at {corpus.commit} ({corpus.licence}); {corpus.note}\n"
        f"# label: {corpus.label}; path<TAB>part<TAB>language; parts drawn with seed {SEED}\n"
    )
    out.write_text(header + "\n".join(rows) + "\n")
    return out


@dataclass(frozen=True)
class Entry:
    corpus: str
    label: str
    path: Path
    part: str
    language: str


def entries(corpus: Corpus) -> list[Entry]:
    """The manifest's messages (their files may be absent: see :func:`available`)."""
    out: list[Entry] = []
    for line in manifest_path(corpus).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        path, part, language = line.split("\t")
        out.append(Entry(corpus.name, corpus.label, corpus_dir(corpus) / path, part, language))
    return out


def available(corpus: Corpus) -> bool:
    stamp = corpus_dir(corpus) / ".commit"
    return stamp.exists() and stamp.read_text().strip() == corpus.commit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("fetch", "manifest"))
    parser.add_argument("--corpus", choices=sorted(CORPORA), action="append")
    args = parser.parse_args()
    for name in args.corpus or sorted(CORPORA):
        corpus = CORPORA[name]
        if args.command == "fetch":
            print(f"{name}: {fetch(corpus)}")
        else:
            print(f"{name}: {write_manifest(corpus)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
