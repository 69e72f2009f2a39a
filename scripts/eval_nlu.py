"""``make eval``: Vigie's pipeline against Rasa's default one, on the held-out set.

Trains an NLU-only model with Rasa's default pipeline for French (cached in results/),
runs both models on tests/nlu/heldout.yml, prints per-label precision/recall, the
confusions, and a summary line ``accuracy=…`` for Vigie's pipeline.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vigie.conversation.evaluation import Report, evaluate, format_report  # noqa: E402

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
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


def predict(model: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        [str(RASA_PY), str(ROOT / "scripts" / "nlu_predict.py"), str(model), str(HELDOUT)],
        check=True,
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def summary(name: str, report: Report, predictions: list[dict[str, object]]) -> str:
    times = sorted(float(p["seconds"]) for p in predictions)  # type: ignore[arg-type]
    p95 = times[int(0.95 * (len(times) - 1))] * 1000
    return (
        f"{name:10} accuracy={report.accuracy:.3f} "
        f"before_fallback={report.accuracy_before_fallback:.3f} fallbacks={report.fallbacks} "
        f"parse_p50={statistics.median(times) * 1000:.1f}ms parse_p95={p95:.1f}ms"
    )


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    vigie_model = ROOT / "models" / "vigie.tar.gz"
    ours = predict(vigie_model)
    ours_report = evaluate(ours)
    print(format_report(ours_report, "Vigie pipeline (config.yml) on tests/nlu/heldout.yml"))
    rows = [summary("vigie", ours_report, ours)]
    if "--no-default" not in sys.argv:
        theirs = predict(default_model())
        theirs_report = evaluate(theirs)
        print(format_report(theirs_report, "Rasa default pipeline on tests/nlu/heldout.yml"))
        rows.append(summary("default", theirs_report, theirs))
    print(f"\n== Comparison (held-out set: {ours_report.total} messages)")
    print("\n".join(rows))
    (RESULTS / "eval-predictions.jsonl").write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in ours), encoding="utf-8"
    )
    print(f"accuracy={ours_report.accuracy:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
