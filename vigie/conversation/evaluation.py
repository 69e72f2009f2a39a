"""NLU evaluation figures: per-label precision and recall, confusions, accuracy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and support of one label."""

    label: str
    precision: float
    recall: float
    support: int


@dataclass(frozen=True)
class Report:
    """The evaluation of one model on one labelled set."""

    total: int
    correct: int
    correct_before_fallback: int
    fallbacks: int
    scores: list[LabelScore]
    confusions: list[tuple[str, str, int]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def accuracy_before_fallback(self) -> float:
        return self.correct_before_fallback / self.total if self.total else 0.0


def evaluate(predictions: Iterable[Mapping[str, object]]) -> Report:
    """Score predictions (dicts with ``expected``, ``predicted`` and ``raw`` labels).

    A message that fell back (``nlu_fallback``) counts as wrong for ``accuracy``; ``raw`` is
    the best label before the fallback, scored in ``accuracy_before_fallback``.
    """
    rows = [
        (str(p["expected"]), str(p["predicted"]), str(p.get("raw", p["predicted"])))
        for p in predictions
    ]
    expected_counts = Counter(e for e, _, _ in rows)
    predicted_counts = Counter(p for _, p, _ in rows)
    hits = Counter(e for e, p, _ in rows if e == p)
    scores = [
        LabelScore(
            label,
            hits[label] / predicted_counts[label] if predicted_counts[label] else 0.0,
            hits[label] / expected_counts[label],
            expected_counts[label],
        )
        for label in sorted(expected_counts)
    ]
    confusions = Counter((e, p) for e, p, _ in rows if e != p)
    return Report(
        total=len(rows),
        correct=sum(hits.values()),
        correct_before_fallback=sum(1 for e, _, r in rows if e == r),
        fallbacks=predicted_counts["nlu_fallback"],
        scores=scores,
        confusions=[(e, p, n) for (e, p), n in confusions.most_common()],
    )


def format_report(report: Report, title: str) -> str:
    """A plain-text table of the report."""
    lines = [f"== {title}", f"{'label':34} {'precision':>9} {'recall':>7} {'n':>4}"]
    lines += [
        f"{s.label:34} {s.precision:9.2f} {s.recall:7.2f} {s.support:4d}" for s in report.scores
    ]
    lines.append("confusions (expected -> predicted: count):")
    lines += [f"  {e} -> {p}: {n}" for e, p, n in report.confusions] or ["  none"]
    lines.append(
        f"fallbacks={report.fallbacks} accuracy_before_fallback="
        f"{report.accuracy_before_fallback:.3f}"
    )
    return "\n".join(lines)
