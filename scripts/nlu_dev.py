"""Tune Vigie's NLU on the training data only (never on the held-out sets).

Runs in Rasa's environment (the classifier is ``rasa_addons.flat_classifier``):

    PYTHONPATH=. .venv-rasa/bin/python scripts/nlu_dev.py [--embeddings] [--weight 1.0]
        [--C 20] [--char 2 5] [--word 1 2] [--stem] [--folds 5] [--dev FILE]

Two figures, each a message counted right only when the label is right *and* it would not
fall back (threshold and ambiguity of config.yml's FallbackClassifier, as Rasa applies it):

- ``cv``: a stratified k-fold cross-validation over ``nlu_data/nlu/`` without the
  paraphrase file (the project's own examples);
- ``para``: new wording. The paraphrase file (``nlu_data/nlu/paraphrases.yml``, written from
  the users' description) is cut into k folds; each fold is predicted by a model trained on
  all the other training data and the other folds. This is the closest thing to the
  held-out sets that may be tuned on.

``--dev nlu_data/nlu/paraphrases_vN.yml`` replaces both: that file (the latest paraphrases,
new wording) predicted by a model trained on all the other training files.

It also prints the fallback threshold curve of the ``para`` predictions (thresholds under
config.yml's can be computed here, since every probability is known).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa_addons.flat_classifier import (  # noqa: E402
    FlatIntentClassifier,
    build_model,
    intent_ranking,
)

PARAPHRASES = ROOT / "nlu_data" / "nlu" / "paraphrases.yml"


def load(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs of a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((line[2:].strip(), block["intent"]))
    return pairs


def fallback_settings() -> tuple[float, float]:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"]), float(component["ambiguity_threshold"])
    raise ValueError("no FallbackClassifier in config.yml")


def outcome(labels: Any, probabilities: Any) -> tuple[str, float, float]:
    """The full label chosen, its confidence, and whether the ranking is ambiguous at the
    intent level as the FallbackClassifier sees it (difference of the first two < amb)."""
    _, confidence, ranking = intent_ranking(labels, probabilities, "faq", 10)
    gap = ranking[0]["confidence"] - ranking[1]["confidence"] if len(ranking) > 1 else 1.0
    return str(labels[int(np.argmax(probabilities))]), confidence, gap


def predict(
    config: dict[str, Any], train: list[tuple[str, str]], test: list[tuple[str, str]]
) -> list[tuple[str, str, float, float]]:
    model = build_model(config)
    model.fit([t for t, _ in train], [label for _, label in train])
    probabilities = model.predict_proba([t for t, _ in test])
    labels = model.classes_
    results = []
    for (_, expected), p in zip(test, probabilities, strict=True):
        label, confidence, gap = outcome(labels, p)
        results.append((expected, label, confidence, gap))
    return results


def score(results: list[tuple[str, str, float, float]], threshold: float, amb: float) -> str:
    right = fallbacks = 0
    for expected, label, confidence, gap in results:
        if confidence < threshold or gap < amb:
            fallbacks += 1
        elif label == expected:
            right += 1
    n = len(results) or 1
    plain = sum(e == lab for e, lab, _, _ in results) / n
    return f"acc={right / n:.3f} before_fallback={plain:.3f} fallbacks={fallbacks} n={n}"


def folds(pairs: list[tuple[str, str]], k: int, seed: int) -> list[list[int]]:
    counts = Counter(label for _, label in pairs)
    # Labels with fewer examples than folds go to training only.
    usable = [i for i, (_, label) in enumerate(pairs) if counts[label] >= k]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    ys = [pairs[i][1] for i in usable]
    return [[usable[j] for j in test] for _, test in splitter.split(usable, ys)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--C", type=float, default=20.0)
    parser.add_argument("--char", type=int, nargs=2, default=[2, 5])
    parser.add_argument("--word", type=int, nargs=2, default=[1, 2])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument("--confusions", action="store_true", help="print para confusions")
    parser.add_argument(
        "--dev",
        type=Path,
        help="a training file of nlu_data/ predicted by a model trained on all the others "
        "(new wording: the latest paraphrase file), instead of cv and para",
    )
    parser.add_argument("--stem", action="store_true", help="stemmed word n-grams")
    args = parser.parse_args()
    config = {
        **FlatIntentClassifier.get_default_config(),
        "C": args.C,
        "char_ngram_range": args.char,
        "word_ngram_range": args.word,
        "sentence_embeddings": args.embeddings,
        "embedding_weight": args.weight,
        "stem_words": args.stem,
    }
    threshold, amb = fallback_settings()
    if args.dev is not None:
        dev_path = args.dev.resolve()
        train = [
            pair
            for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml"))
            if path.resolve() != dev_path
            for pair in load(path)
        ]
        dev = load(dev_path)
        print(f"config: {config}; fallback {threshold}/{amb}; train={len(train)} dev={len(dev)}")
        results = predict(config, train, dev)
        print("dev ", score(results, threshold, amb))
        if args.confusions:
            pairs = Counter((e, lab) for e, lab, _, _ in results if e != lab)
            for (e, lab), n in pairs.most_common(25):
                print(f"  {n} {e} -> {lab}")
        return 0
    own = [
        pair
        for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml"))
        if path != PARAPHRASES
        for pair in load(path)
    ]
    para = load(PARAPHRASES) if PARAPHRASES.exists() else []
    print(f"config: {config}; fallback {threshold}/{amb}; own={len(own)} para={len(para)}")
    if not args.skip_cv:
        results = []
        for test in folds(own, args.folds, args.seed):
            held = set(test)
            train = [p for i, p in enumerate(own) if i not in held] + para
            results += predict(config, train, [own[i] for i in test])
        print("cv  ", score(results, threshold, amb))
    if para:
        results = []
        for test in folds(para, args.folds, args.seed):
            held = set(test)
            train = own + [p for i, p in enumerate(para) if i not in held]
            results += predict(config, train, [para[i] for i in test])
        print("para", score(results, threshold, amb))
        zero = predict(config, own, para)
        print("para (trained without any paraphrase)", score(zero, threshold, amb))
        print("fallback curve (para, k-fold): threshold, then acc/fallbacks per ambiguity")
        for t in (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30):
            cells = [f"amb {a:.2f}: {score(results, t, a)}" for a in (0.0, 0.02, 0.05)]
            print(f"  {t:.2f}  " + "  |  ".join(cells))
        if args.confusions:
            pairs = Counter((e, lab) for e, lab, _, _ in results if e != lab)
            for (e, lab), n in pairs.most_common(25):
                print(f"  {n} {e} -> {lab}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
