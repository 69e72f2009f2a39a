"""``make eval``: Vigie's pipeline against Rasa's default one, on both held-out sets.

Trains an NLU-only model with Rasa's default pipeline for French (cached in results/),
runs both models on each held-out set (tests/nlu/heldout.yml, heldout_v2.yml … heldout_v6.yml),
prints per-label precision/recall, the confusions, the worst labels, a summary per set, the
fallback threshold curve of Vigie's pipeline (accuracy and fallback rate for thresholds 0.30
to 0.90) and the lines ``accuracy=…`` (first set), ``accuracy_v2=…`` … ``accuracy_v4=…`` for Vigie's pipeline.
A message that falls back (``nlu_fallback``) always counts as wrong.

    .venv/bin/python scripts/eval_nlu.py [--no-default] [--json results/eval_nlu.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vigie.conversation.evaluation import Report, evaluate, format_report  # noqa: E402

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
#: The held-out sets, never trained on: the project's own, then one written later by others.
HELDOUT_SETS: tuple[Path, ...] = (
    ROOT / "tests" / "nlu" / "heldout.yml",
    ROOT / "tests" / "nlu" / "heldout_v2.yml",
    ROOT / "tests" / "nlu" / "heldout_v3.yml",
    ROOT / "tests" / "nlu" / "heldout_v4.yml",
    ROOT / "tests" / "nlu" / "heldout_v5.yml",
    ROOT / "tests" / "nlu" / "heldout_v6.yml",
)
#: Fallback thresholds of the curve: 0.30, 0.35, … 0.90.
CURVE_THRESHOLDS: tuple[float, ...] = tuple(round(0.30 + 0.05 * i, 2) for i in range(13))
WORST_LABELS = 5
DEFAULT_CONFIG = ROOT / "scripts" / "default_pipeline.yml"
RESULTS = ROOT / "results"
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONPATH": str(ROOT),
}


def fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        for file in sorted(path.rglob("*.yml")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def default_model() -> Path:
    """Train (once per data version) an NLU model with Rasa's default pipeline."""
    # nlu_data/responses holds the faq response keys: without them the ResponseSelector
    # never names a faq sub-intent and every faq message is scored wrong.
    nlu_paths = [ROOT / "nlu_data" / "nlu", ROOT / "nlu_data" / "responses"]
    key = fingerprint([DEFAULT_CONFIG, ROOT / "domain.yml", *nlu_paths])
    model = RESULTS / f"default-{key}.tar.gz"
    if not model.exists():
        print("==> Entraînement du pipeline par défaut de Rasa (comparaison)…", flush=True)
        subprocess.run(
            [
                str(RASA),
                "train",
                "nlu",
                "--config",
                str(DEFAULT_CONFIG),
                "--domain",
                str(ROOT / "domain.yml"),
                "--nlu",
                str(ROOT / "nlu_data"),
                "--out",
                str(RESULTS),
                "--fixed-model-name",
                model.name.removesuffix(".tar.gz"),
            ],
            check=True,
            env=ENV,
            cwd=ROOT,
        )
    return model


def predict(model: Path, data: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        [str(RASA_PY), str(ROOT / "scripts" / "nlu_predict.py"), str(model), str(data)],
        check=True,
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


@dataclass(frozen=True)
class CurvePoint:
    """Accuracy (a fallback counts as wrong), fallback rate and wrong-answer rate (neither
    right nor a fallback: Vigie answers something else) at one fallback threshold."""

    threshold: float
    accuracy: float
    fallback_rate: float
    wrong_rate: float


def fallback_threshold(config: Path = ROOT / "config.yml") -> float:
    """The FallbackClassifier's ``threshold`` in the pipeline of ``config``."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    for component in pipeline:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"])
    raise ValueError(f"no FallbackClassifier in {config}")


def threshold_curve(
    predictions: Sequence[Mapping[str, object]], thresholds: Sequence[float], current: float
) -> list[CurvePoint]:
    """What accuracy and fallback rate would be with each higher threshold, without retraining.

    The model ran with the ``current`` threshold: a message that fell back then (confidence
    under it, or too close to the second intent) falls back at any higher threshold; any
    other one falls back when its confidence is under the new threshold. A lower threshold
    cannot be computed from these predictions (the confidence before the fallback is gone).
    """
    if any(t < current for t in thresholds):
        raise ValueError(f"thresholds under the model's own ({current}) cannot be computed")
    points = []
    for threshold in thresholds:
        fallbacks = correct = 0
        for p in predictions:
            confidence = float(p["confidence"])  # type: ignore[arg-type]
            if p["predicted"] == "nlu_fallback" or confidence < threshold:
                fallbacks += 1
            elif p["predicted"] == p["expected"]:
                correct += 1
        total = len(predictions) or 1
        wrong = total - correct - fallbacks if predictions else 0
        points.append(CurvePoint(threshold, correct / total, fallbacks / total, wrong / total))
    return points


def format_curve(curves: Mapping[str, list[CurvePoint]], current: float) -> str:
    """One row per threshold; accuracy, fallback and wrong-answer rates for each set."""
    names = list(curves)
    header = f"{'threshold':>9} " + " ".join(
        f"{n + ' acc':>18} {'fallback':>8} {'wrong':>6}" for n in names
    )
    lines = [header]
    for i, point in enumerate(curves[names[0]]):
        cells = " ".join(
            f"{c.accuracy:18.3f} {c.fallback_rate:8.3f} {c.wrong_rate:6.3f}"
            for c in (curves[n][i] for n in names)
        )
        mark = "  <- config.yml" if point.threshold == current else ""
        lines.append(f"{point.threshold:9.2f} {cells}{mark}")
    return "\n".join(lines)


def worst_labels(report: Report, count: int = WORST_LABELS) -> str:
    """The ``count`` labels of lowest recall (then precision), as ``label recall (n)``."""
    worst = sorted(report.scores, key=lambda s: (s.recall, s.precision, s.label))[:count]
    return ", ".join(f"{s.label} {s.recall:.2f} (n={s.support})" for s in worst)


def summary(name: str, report: Report, predictions: list[dict[str, object]]) -> str:
    times = sorted(float(p["seconds"]) for p in predictions)  # type: ignore[arg-type]
    p95 = times[int(0.95 * (len(times) - 1))] * 1000
    return (
        f"{name:10} accuracy={report.accuracy:.3f} "
        f"before_fallback={report.accuracy_before_fallback:.3f} fallbacks={report.fallbacks} "
        f"parse_p50={statistics.median(times) * 1000:.1f}ms parse_p95={p95:.1f}ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-default", action="store_true", help="skip Rasa's default pipeline")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    vigie_model = ROOT / "models" / "vigie.tar.gz"
    current = fallback_threshold()
    theirs_model = None if args.no_default else default_model()
    rows: list[str] = []
    curves: dict[str, list[CurvePoint]] = {}
    sets: dict[str, dict[str, object]] = {}
    accuracies: list[float] = []
    for data in HELDOUT_SETS:
        name = data.stem
        relative = data.relative_to(ROOT)
        ours = predict(vigie_model, data)
        ours_report = evaluate(ours)
        print(format_report(ours_report, f"Vigie pipeline (config.yml) on {relative}"))
        print(f"worst labels: {worst_labels(ours_report)}")
        rows.append(f"{name:10} ({ours_report.total} messages)")
        rows.append(summary("  vigie", ours_report, ours))
        curves[name] = threshold_curve(ours, (current, *CURVE_THRESHOLDS), current)
        accuracies.append(ours_report.accuracy)
        sets[name] = {
            "messages": ours_report.total,
            "accuracy": ours_report.accuracy,
            "accuracy_before_fallback": ours_report.accuracy_before_fallback,
            "fallbacks": ours_report.fallbacks,
            "recall": {s.label: s.recall for s in ours_report.scores},
            "curve": [asdict(p) for p in curves[name]],
        }
        if theirs_model is not None:
            theirs = predict(theirs_model, data)
            theirs_report = evaluate(theirs)
            print(format_report(theirs_report, f"Rasa default pipeline on {relative}"))
            rows.append(summary("  default", theirs_report, theirs))
            sets[name]["default_accuracy"] = theirs_report.accuracy
        suffix = "" if data == HELDOUT_SETS[0] else f"-{name}"
        (RESULTS / f"eval-predictions{suffix}.jsonl").write_text(
            "\n".join(json.dumps(p, ensure_ascii=False) for p in ours), encoding="utf-8"
        )
    print("\n== Comparison (a fallback counts as wrong)")
    print("\n".join(rows))
    print(
        f"\n== Fallback threshold curve, Vigie pipeline (config.yml threshold: {current}; "
        "acc counts a fallback as wrong; fallback and wrong-answer rates)"
    )
    print(format_curve(curves, current))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"fallback_threshold": current, "sets": sets}
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"accuracy={accuracies[0]:.3f}")
    print(f"accuracy_v2={accuracies[1]:.3f}")
    print(f"accuracy_v3={accuracies[2]:.3f}")
    print(f"accuracy_v4={accuracies[3]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
