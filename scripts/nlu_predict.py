"""Predict labels for NLU examples with a trained Rasa model (runs in .venv-rasa).

Usage: .venv-rasa/bin/python scripts/nlu_predict.py MODEL.tar.gz DATA.yml
Prints one JSON object per line: text, expected label, predicted label (``faq/<id>`` for the
retrieval intent), confidence, the label before the fallback, and the time of the parse.
Labels are compared as strings; nothing here decides what is right.
"""

import asyncio
import json
import logging
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
logging.disable(logging.WARNING)


def label_of(parse: dict) -> tuple:
    """(label, confidence, label ignoring the fallback) of a parse result."""
    intent = (parse.get("intent") or {}).get("name")
    confidence = (parse.get("intent") or {}).get("confidence")
    # A ResponseSelector without ``retrieval_intent`` (Rasa's default pipeline) answers
    # under the key "default" instead of "faq".
    selectors = parse.get("response_selector") or {}
    selector = (selectors.get("faq") or selectors.get("default") or {}).get("response") or {}
    faq_key = selector.get("intent_response_key")
    ranking = [r.get("name") for r in parse.get("intent_ranking") or []]
    raw = next((name for name in ranking if name != "nlu_fallback"), intent)

    def resolve(name):
        return faq_key if name == "faq" and faq_key else name

    return resolve(intent), confidence, resolve(raw)


async def main(model: str, data: str) -> None:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    agent = Agent.load(model)
    examples = load_data(data).intent_examples
    for example in examples:
        expected = example.get_full_intent()
        started = time.perf_counter()
        parse = await agent.parse_message(example.get("text"))
        elapsed = time.perf_counter() - started
        predicted, confidence, raw = label_of(parse)
        print(
            json.dumps(
                {
                    "text": example.get("text"),
                    "expected": expected,
                    "predicted": predicted,
                    "confidence": confidence,
                    "raw": raw,
                    "seconds": elapsed,
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
