"""Generate the e-mail corpus of the analyser's tests: ``tests/data/emails/``.

The scenarios are data, in ``tests/data/email_scenarios/corpus/`` (``phishing.yaml``,
``legit.yaml``, ``hostile.yaml``); ``scripts/mailgen/corpus.py`` renders them
deterministically, so that a regeneration is byte-identical and ``--check`` can verify the
committed files.

    .venv/bin/python scripts/make_email_corpus.py          # (re)write the corpus
    .venv/bin/python scripts/make_email_corpus.py --check  # exit 1 if it differs

``phishing/`` and ``legit/`` are the labelled sets of ``scripts/eval_mail.py``; ``hostile/``
holds small hostile files (the large ones are built on the fly by the tests with the
generators re-exported here). Nothing here is executable: executables, scripts, macros and
disk images are inert stubs carrying only the first bytes a real one would have.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.mailgen import spec  # noqa: E402
from scripts.mailgen.corpus import (  # noqa: E402
    TRUSTED_EXTRA,
    big_message,
    corpus,
    deep_nesting,
    hostile_head,
    huge_headers,
    many_parts,
    with_attachment,
    zip_many_entries,
)

OUT = ROOT / "tests" / "data" / "emails"
MANAGED = ("phishing", "legit", "hostile")

__all__ = [
    "OUT",
    "TRUSTED_EXTRA",
    "big_message",
    "corpus",
    "deep_nesting",
    "hostile_head",
    "huge_headers",
    "main",
    "many_parts",
    "with_attachment",
    "zip_many_entries",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    parser.add_argument("--out", type=Path, default=OUT, help="target directory")
    args = parser.parse_args(argv)
    out: Path = args.out
    files = corpus()
    existing = {
        str(path.relative_to(out))
        for sub in MANAGED
        if (out / sub).is_dir()
        for path in (out / sub).glob("*.eml")
    }
    if args.check:
        problems = spec.check(out, files, existing)
        spec.report(problems)
        if problems:
            print(
                "Le corpus ne correspond pas au générateur : relancez "
                "scripts/make_email_corpus.py.",
                file=sys.stderr,
            )
            return 1
        print(f"Corpus à jour ({len(files)} fichiers).")
        return 0
    written = spec.write(out, files, existing)
    counts = {sub: sum(1 for n in files if n.startswith(sub + "/")) for sub in MANAGED}
    print(
        f"{written} fichier(s) écrit(s) ; phishing={counts['phishing']} "
        f"legit={counts['legit']} hostile={counts['hostile']}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
