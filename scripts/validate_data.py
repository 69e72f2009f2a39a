"""``make validate``: ``rasa data validate``, failing on every warning but three known ones.

Two warnings are inherent to answering the ``faq`` retrieval intent with a custom action
(the article text lives in knowledge/, not in Rasa responses):
- ``utter_faq`` is "not used in any story or rule": ``action_answer_faq`` answers instead;
- ``faq`` is "duplicated across multiple domain files": Rasa adds the retrieval intent from
  the training data to the domain that already declares it (removing it from domain.yml
  gives a warning about the rules instead).

``email_received`` is "not found in the NLU training data" on purpose: only the bot sends it
(``/email_received{"phishing_report":"42"}``, once it has analysed an e-mail); examples would
let typed text trigger it.

Rasa's validator also reports as "not used" the responses that only custom actions send
(``dispatcher.utter_message(response="utter_…")`` in ``actions/``) and the questions of
forms (``utter_ask_<slot>``). Those are checked here instead: each must really be sent by an
action, or ask a slot of a form; any other unused response still fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = (
    "The utterance 'utter_faq' is not used in any story or rule.",
    "The following duplicated intents have been found across multiple domain files: faq",
    "The intent 'email_received' is listed in the domain file, but is not found in the NLU "
    "training data.",
)


UNUSED_RE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule\.")


def responses_used_elsewhere() -> set[str]:
    """Responses sent by custom actions, and the questions of forms' slots."""
    used: set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        used.update(re.findall(r"response=\"(utter_\w+)\"", path.read_text(encoding="utf-8")))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for form in (domain.get("forms") or {}).values():
        used.update(f"utter_ask_{slot}" for slot in form.get("required_slots") or [])
    return used


def main() -> int:
    print("==> Validation des données Rasa…", flush=True)
    result = subprocess.run(
        [
            str(ROOT / ".venv-rasa" / "bin" / "rasa"),
            "data",
            "validate",
            "--data",
            "nlu_data",
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(ROOT),
        },
    )
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    warnings = [
        w.strip() for w in re.findall(r"UserWarning: (.*?)(?:\n\s*More info|\n\S|\Z)", output, re.S)
    ]
    elsewhere = responses_used_elsewhere()
    unexpected = [
        w
        for w in warnings
        if not any(w.startswith(a) for a in ALLOWED)
        and not ((m := UNUSED_RE.match(w)) and m.group(1) in elsewhere)
    ]
    for warning in unexpected:
        print(f"  ✗ {warning}")
    if result.returncode != 0 or unexpected:
        print(output[-3000:] if result.returncode != 0 else "")
        print(f"Rasa data validation failed ({len(unexpected)} unexpected warnings).")
        return 1
    print(f"  ✓ données valides ({len(warnings)} avertissements connus et documentés)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
