"""``make eval`` (third part): the e-mail analyser on real, public mail nobody here wrote.

The corpora and their parts are listed in ``tests/data/real_mail/`` (see
``scripts/real_corpora.py``; ``make corpora`` fetches the files). Prints, for each part
(``tuning``, ``heldout``): real phishing rated dangereux or douteux, overall and for French
messages, and real legitimate mail rated dangereux and douteux; the floors are checked on the
held-out part. Misses are listed for the tuning part only: the held-out part judges, nobody
reads it to tune the rules.

    .venv/bin/python scripts/eval_real_mail.py [--heldout] [--json results/eval_real_mail.json]
        [--misses N] [--strict]

Without ``--heldout`` only the tuning part is read (what one runs while changing the rules).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.real_corpora import CORPORA, Entry, available, entries, read_message  # noqa: E402
from vigie.phishing.mailcheck import analyse  # noqa: E402

PHISHING_FLOOR = 0.90  # real phishing rated dangereux or douteux, at least (held-out)
PHISHING_FR_FLOOR = 0.95  # the same for French messages
LEGIT_DANGER_CEILING = 0.02  # real legitimate mail rated dangereux, at most
LEGIT_DOUBT_CEILING = 0.10  # real legitimate mail rated douteux, at most


@dataclass
class Rated:
    corpus: str
    label: str
    part: str
    language: str
    path: str
    verdict: str
    score: int
    codes: list[str]


def rate(entry: Entry) -> Rated:
    analysis = analyse(read_message(entry.path))
    return Rated(
        entry.corpus,
        entry.label,
        entry.part,
        entry.language,
        str(entry.path.relative_to(ROOT)),
        analysis.verdict,
        analysis.score,
        [f"{s.code}:{s.weight}" for s in analysis.signals],
    )


def share(items: list[Rated], *verdicts: str) -> float:
    return sum(1 for r in items if r.verdict in verdicts) / len(items) if items else 0.0


def summary(rated: list[Rated], part: str) -> dict[str, object]:
    mine = [r for r in rated if r.part == part]
    phishing = [r for r in mine if r.label == "phishing"]
    french = [r for r in phishing if r.language == "fr"]
    legit = [r for r in mine if r.label == "legit"]
    legit_fr = [r for r in legit if r.language == "fr"]
    return {
        "phishing": len(phishing),
        "phishing_flagged": share(phishing, "dangereux", "douteux"),
        "phishing_dangerous": share(phishing, "dangereux"),
        "phishing_fr": len(french),
        "phishing_fr_flagged": share(french, "dangereux", "douteux"),
        "legit": len(legit),
        "legit_dangerous": share(legit, "dangereux"),
        "legit_doubtful": share(legit, "douteux"),
        "legit_fr": len(legit_fr),
        "legit_fr_flagged": share(legit_fr, "dangereux", "douteux"),
        "by_corpus": {
            name: {
                "n": len(items),
                **{v: share(items, v) for v in ("dangereux", "douteux", "sans_danger")},
            }
            for name in sorted({r.corpus for r in mine})
            for items in [[r for r in mine if r.corpus == name]]
        },
    }


def floors(figures: dict[str, object]) -> list[str]:
    failed = []
    if float(figures["phishing_flagged"]) < PHISHING_FLOOR:  # type: ignore[arg-type]
        failed.append(f"real phishing flagged < {PHISHING_FLOOR:.0%}")
    if float(figures["phishing_fr_flagged"]) < PHISHING_FR_FLOOR:  # type: ignore[arg-type]
        failed.append(f"French real phishing flagged < {PHISHING_FR_FLOOR:.0%}")
    if float(figures["legit_dangerous"]) > LEGIT_DANGER_CEILING:  # type: ignore[arg-type]
        failed.append(f"real legitimate mail rated dangereux > {LEGIT_DANGER_CEILING:.0%}")
    if float(figures["legit_doubtful"]) > LEGIT_DOUBT_CEILING:  # type: ignore[arg-type]
        failed.append(f"real legitimate mail rated douteux > {LEGIT_DOUBT_CEILING:.0%}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--misses", type=int, default=0, help="tuning misses to list")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument(
        "--heldout", action="store_true", help="measure the held-out part too (not while tuning)"
    )
    args = parser.parse_args()

    todo: list[Entry] = []
    for corpus in CORPORA.values():
        if not available(corpus):
            print(f"  {corpus.name}: absent (make corpora)")
            continue
        todo += [e for e in entries(corpus) if args.heldout or e.part == "tuning"]
    if not todo:
        print("  no real corpus here: run `make corpora` (needs GitHub or a local mirror)")
        return 0
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        rated = list(pool.map(rate, todo, chunksize=32))

    print("== Analyse des e-mails : corpus réels (jamais écrits ici)")
    failed: list[str] = []
    report: dict[str, object] = {}
    for part in ("tuning", "heldout") if args.heldout else ("tuning",):
        figures = summary(rated, part)
        report[part] = figures
        print(
            f"  {part:8} phishing {figures['phishing_flagged']:6.1%} signalés "
            f"({figures['phishing_dangerous']:.1%} dangereux) sur {figures['phishing']}, "
            f"français {figures['phishing_fr_flagged']:6.1%} sur {figures['phishing_fr']} · "
            f"légitimes {figures['legit_dangerous']:5.1%} dangereux, "
            f"{figures['legit_doubtful']:5.1%} douteux sur {figures['legit']} "
            f"(français signalés {figures['legit_fr_flagged']:.0%} sur {figures['legit_fr']})"
        )
        for name, row in figures["by_corpus"].items():  # type: ignore[attr-defined]
            print(
                f"           {name:24} n={row['n']:5} dangereux {row['dangereux']:6.1%} "
                f"douteux {row['douteux']:6.1%} sans danger {row['sans_danger']:6.1%}"
            )
        if part == "heldout":
            failed = floors(figures)
    if args.heldout:
        print("  floors (held-out): " + ("all met" if not failed else "; ".join(failed)))

    if args.misses:
        tuning = [r for r in rated if r.part == "tuning"]
        missed = [r for r in tuning if r.label == "phishing" and r.verdict == "sans_danger"]
        wrong = [r for r in tuning if r.label == "legit" and r.verdict != "sans_danger"]
        codes = Counter(c.split(":")[0] for r in missed for c in r.codes)
        print(f"  tuning misses: {len(missed)} phishing rated sans danger; signals among them:")
        print("   ", ", ".join(f"{c} {n}" for c, n in codes.most_common(15)))
        for r in missed[: args.misses]:
            print(f"    - {r.path} [{r.language}] {r.score} {' '.join(r.codes)}")
        print(f"  tuning false alarms: {len(wrong)}")
        for r in wrong[: args.misses]:
            print(f"    - {r.path} {r.verdict} {r.score} {' '.join(r.codes)}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report["rated"] = [asdict(r) for r in rated]
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
