"""``make eval`` (redaction part): :func:`vigie.core.redaction.redact` on the labelled set.

Reads ``tests/data/redaction/`` (``scripts/make_redaction_set.py``: generated cases and the
hand-written ``tricky.yml``) and prints, per kind of case, the recall (share of cases whose every
secret substring is gone from the redacted text) and, for benign messages, the false-positive
rate (share of messages changed at all), with the floors of ``docs/privacy.md``; then how many
of the NLU's training examples (``nlu_data/``, written by the team, not generated) redaction
changes:

* recall ≥ 99 % for every kind (passwords, PINs, one-time codes, CVV and logins after a cue;
  e-mail addresses, phone numbers, IBAN, NIR, payment card and CPS numbers);
* false positives ≤ 1 % of benign messages.

    .venv/bin/python scripts/eval_redaction.py [--heldout] [--misses N] [--strict] [--json FILE]

Without ``--heldout`` the tuning part is measured; ``--heldout`` measures the held-out part
(measure it, do not tune on it: ``--misses`` only ever lists the tuning part's misses).
``--strict`` exits with 1 when a floor is not met.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.make_redaction_set import KINDS, POSITIVE_KINDS, load  # noqa: E402
from vigie.core.redaction import redact  # noqa: E402

RECALL_FLOOR = 0.99  # share of positive cases whose secrets are all gone, per kind, at least
FALSE_POSITIVE_CEILING = 0.01  # share of benign messages changed, at most


@dataclass
class Outcome:
    case: dict[str, Any]
    redacted: str
    found: tuple[str, ...]

    @property
    def ok(self) -> bool:
        if self.case["kind"] == "benign":
            return self.redacted == self.case["text"]
        return all(secret not in self.redacted for secret in self.case["secrets"])


@dataclass
class RedactionEval:
    part: str
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.case["kind"] == kind]

    def recall(self, kind: str) -> float:
        rows = self.of(kind)
        return sum(o.ok for o in rows) / max(len(rows), 1)

    @property
    def false_positive_rate(self) -> float:
        rows = self.of("benign")
        return sum(not o.ok for o in rows) / max(len(rows), 1)

    def failing(self) -> list[str]:
        """The kinds whose floor is not met (``benign`` for the false-positive ceiling)."""
        kinds = [k for k in POSITIVE_KINDS if self.recall(k) < RECALL_FLOOR]
        if self.false_positive_rate > FALSE_POSITIVE_CEILING:
            kinds.append("benign")
        return kinds

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "cases": len(self.outcomes),
            "recall": {k: round(self.recall(k), 4) for k in POSITIVE_KINDS},
            "positives": {k: len(self.of(k)) for k in POSITIVE_KINDS},
            "benign": len(self.of("benign")),
            "false_positive_rate": round(self.false_positive_rate, 4),
            "floors_met": not self.failing(),
            "elapsed_s": round(self.elapsed_s, 3),
        }


def evaluate(part: str = "tuning") -> RedactionEval:
    cases = load(part)
    result = RedactionEval(part)
    started = time.perf_counter()
    for case in cases:
        redaction = redact(case["text"])
        result.outcomes.append(Outcome(case, redaction.text, redaction.found))
    result.elapsed_s = time.perf_counter() - started
    return result


def nlu_examples(root: Path = ROOT) -> list[str]:
    """The training examples of ``nlu_data/``, entity annotations removed."""
    examples = []
    for path in sorted((root / "nlu_data").glob("**/*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if match := re.match(r"\s*- (.+)", line):
                examples.append(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1).strip()))
    return examples


def nlu_changes() -> list[tuple[str, str]]:
    """The NLU training examples that redaction changes, with their redacted text."""
    return [(t, r.text) for t in nlu_examples() if (r := redact(t)).found]


def report(result: RedactionEval) -> str:
    lines = [
        f"Redaction — {result.part} part: {len(result.outcomes)} messages, "
        f"{result.elapsed_s * 1000 / max(len(result.outcomes), 1):.3f} ms each",
        f"  {'kind':<10} {'cases':>6} {'recall':>8}   floor",
    ]
    for kind in POSITIVE_KINDS:
        recall = result.recall(kind)
        mark = "ok" if recall >= RECALL_FLOOR else "BELOW"
        lines.append(
            f"  {kind:<10} {len(result.of(kind)):>6} {recall:>8.2%}   ≥ {RECALL_FLOOR:.0%} {mark}"
        )
    rate = result.false_positive_rate
    mark = "ok" if rate <= FALSE_POSITIVE_CEILING else "ABOVE"
    lines.append(
        f"  {'benign':<10} {len(result.of('benign')):>6} {rate:>8.2%}   false positives "
        f"≤ {FALSE_POSITIVE_CEILING:.0%} {mark}"
    )
    lines.append(
        "  floors met" if not result.failing() else f"  floors NOT met: {result.failing()}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heldout", action="store_true", help="measure the held-out part too")
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="list N tuning misses")
    parser.add_argument("--kind", choices=KINDS, help="with --misses: only this kind")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a floor is not met")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    results = [evaluate("tuning")]
    if args.heldout:
        results.append(evaluate("heldout"))
    for result in results:
        print(report(result))
    changed = nlu_changes()
    print(f"NLU training examples changed: {len(changed)} of {len(nlu_examples())}")
    for text, redacted in changed:
        print(f"  {text!r} -> {redacted!r}")
    if args.misses:
        misses = [o for o in results[0].misses() if args.kind in (None, o.case["kind"])]
        print(f"\nTuning misses ({len(misses)}, first {args.misses}):")
        for outcome in misses[: args.misses]:
            print(f"  [{outcome.case['id']}] {outcome.case['text']!r}")
            print(f"      -> {outcome.redacted!r}  secrets={outcome.case['secrets']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.summary() for r in results], indent=2) + "\n")
    if args.strict and any(r.failing() for r in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
