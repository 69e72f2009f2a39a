"""Build the held-out e-mail set, version 4 (tests/data/emails_heldout/): 40 phishing, 40 legitimate.

Written independently of the analyser and of its tuning corpus, to judge it: this set must
never be used to tune the analyser. Version 4 replaces version 3, which was measured once in
December 2026 and whose misses were then read to fix the analyser's rules, so it can no longer
judge them. The scenarios are data, in ``tests/data/email_scenarios/heldout/``;
``scripts/mailgen/heldout.py`` renders them deterministically (fixed dates, identifiers,
boundaries and "random" bytes derived from SHA-256 of fixed seeds with a ``heldout-v4`` prefix),
so ``--check`` can compare the files on disk byte for byte.

Facilities and provider of this set (pass them as trusted extras, ``TRUSTED_EXTRA``):
ehpad-hautsdesaire.fr (EHPAD Les Hauts de Saire, Microsoft 365), fam-closbisson.org (FAM Le
Clos Bisson, a home for disabled adults, Google Workspace), sad-coutancais.fr (SAD du Pays
Coutançais, home help and nursing care, Gandi mail), granit-informatique.fr (Granit
Informatique, their IT provider, Microsoft 365).

Usage: python scripts/make_heldout_emails.py [--check] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.mailgen import spec  # noqa: E402
from scripts.mailgen.heldout import files  # noqa: E402
from scripts.mailgen.heldout_mime import TRUSTED_EXTRA  # noqa: E402

OUT = ROOT / "tests" / "data" / "emails_heldout"
VERSION = 4

__all__ = ["OUT", "TRUSTED_EXTRA", "VERSION", "files", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the files on disk, don't write"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="target directory")
    args = parser.parse_args(argv)
    wanted = files()
    out: Path = args.out
    present = (
        {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} if out.exists() else set()
    )
    if args.check:
        problems = spec.check(out, wanted, present)
        spec.report(problems)
        return 1 if problems else 0
    spec.write(out, wanted, present)
    print(f"{len(wanted)} files written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
