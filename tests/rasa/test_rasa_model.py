"""The trained Rasa model: test stories, and the accuracy floor on the held-out NLU set."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from vigie.conversation.evaluation import evaluate, format_report
from vigie.core.settings import ROOT

MODEL = ROOT / "models" / "vigie.tar.gz"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONPATH": str(ROOT),
}
ACCURACY_FLOOR = 0.92

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module", autouse=True)
def _model() -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")


def test_stories_are_predicted_without_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), "test", "core",
         "--stories", str(ROOT / "tests" / "stories"), "--model", str(MODEL),
         "--fail-on-prediction-errors", "--out", str(tmp_path)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert result.returncode == 0, failed + result.stdout[-2000:] + result.stderr[-2000:]
    assert "None of the test stories failed" in failed


def test_heldout_accuracy_floor() -> None:
    result = subprocess.run(
        [str(RASA_PY), str(ROOT / "scripts" / "nlu_predict.py"), str(MODEL),
         str(ROOT / "tests" / "nlu" / "heldout.yml")],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    predictions = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    report = evaluate(predictions)
    assert report.total >= 41 * 6
    assert report.accuracy >= ACCURACY_FLOOR, format_report(report, "held-out set")


#: Issue 13's examples of a message that reveals an incident while asking something else:
#: each must reach the reflexes (a password typed after an e-mail's link is the phishing
#: flow, the others the incident reflexes), not an article nor the fallback.
REVEALING_MESSAGES = {
    "j'ai cliqué et mis mon mot de passe": "report_phishing",
    "mon compte mail envoie des messages à tout le monde": "declare_incident",
    "l'antivirus a trouvé un virus qu'il n'arrive pas à supprimer": "declare_incident",
    "un écran rouge demande une rançon": "declare_incident",
    "j'ai laissé un faux technicien prendre la main": "declare_incident",
}


def test_messages_revealing_an_incident_reach_the_reflexes(tmp_path: Path) -> None:
    data = tmp_path / "revealing.yml"
    blocks = "".join(
        f"- intent: {intent}\n  examples: |\n    - {text}\n"
        for text, intent in REVEALING_MESSAGES.items()
    )
    data.write_text(f'version: "3.1"\nnlu:\n{blocks}', encoding="utf-8")
    result = subprocess.run(
        [str(RASA_PY), str(ROOT / "scripts" / "nlu_predict.py"), str(MODEL), str(data)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    predictions = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {p["text"]: p["predicted"] for p in predictions} == REVEALING_MESSAGES
