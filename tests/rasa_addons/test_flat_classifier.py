"""Vigie's flat intent classifier (rasa_addons/flat_classifier.py), in the Rasa environment.

The sentence embeddings come from a package that ships its weights (nothing is downloaded):
they must load with the network off, give one 512-dimension unit vector per message, stay
out of the pickled model, and make a difference a character n-gram cannot (two messages
with no word in common but the same meaning). The intent ranking is what the
FallbackClassifier reads.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONPATH": str(ROOT),
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}

pytestmark = pytest.mark.rasa

SCRIPT = r"""
import json, pickle
import numpy as np
from rasa_addons.flat_classifier import (
    FlatIntentClassifier, SentenceEmbeddings, build_model, intent_ranking,
)

out = {}
vectors = SentenceEmbeddings(2.0).fit_transform(["au secours tout est bloque", "bonjour"])
out["shape"] = list(vectors.shape)
out["norms"] = [round(float(n), 3) for n in np.linalg.norm(vectors, axis=1)]

texts = [
    "mon ordinateur est infecte", "un virus sur le pc", "le pc a attrape un virus",
    "je voudrais une sauvegarde", "copie de secours des fichiers", "sauvegarder mes documents",
]
labels = ["declare_incident"] * 3 + ["faq/backup"] * 3
config = {**FlatIntentClassifier.get_default_config(), "sentence_embeddings": True}
model = build_model(config)
model.fit(texts, labels)
out["predicted"] = list(model.predict(["machine contaminee par un logiciel malveillant"]))
out["pickle_bytes"] = len(pickle.dumps(model))

plain = build_model(FlatIntentClassifier.get_default_config())
out["plain_steps"] = len(plain.steps[0][1].transformer_list)
out["embedding_steps"] = len(model.steps[0][1].transformer_list)

ranking = intent_ranking(
    np.array(["declare_incident", "faq/backup", "faq/antivirus"]),
    np.array([0.4, 0.35, 0.25]), "faq", 10,
)
out["ranking"] = [ranking[0], ranking[1], ranking[2]]

from rasa.shared.nlu.training_data.message import Message
component = FlatIntentClassifier(config, None, None, model)
out["unknown"] = {
    t: component._no_known_word(t)
    for t in ("kdjfh sdkfj", "un virus qsdf", "ok", "VIRUS !!", "Sauvegardé ?")
}
confidences = {}
for t in ("kdjfh sdkfj", "le pc a un virus"):
    [m] = component.process([Message(data={"text": t})])
    confidences[t] = m.get("intent")["confidence"]
raw = model.predict_proba(["kdjfh sdkfj"])[0].max()
out["scaled"] = round(confidences["kdjfh sdkfj"] / raw, 6)
out["known_confidence"] = confidences["le pc a un virus"]
print(json.dumps(out))
"""


def test_sentence_embeddings_and_ranking() -> None:
    result = subprocess.run(
        [str(RASA_PY), "-c", SCRIPT], cwd=ROOT, env=ENV, capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["shape"] == [2, 512]
    assert out["norms"] == [2.0, 2.0]  # unit vectors, scaled by the weight
    assert out["predicted"] == ["declare_incident"]
    assert out["pickle_bytes"] < 2_000_000  # the 30 MB encoder is not pickled
    assert (out["plain_steps"], out["embedding_steps"]) == (2, 3)
    intent, confidence, ranking = out["ranking"]
    assert (intent, confidence) == ("declare_incident", 0.4)
    # faq's entry is the sum of its articles: it comes first, the decision second.
    assert [(r["name"], round(r["confidence"], 6)) for r in ranking] == [
        ("faq", 0.6),
        ("declare_incident", 0.4),
    ]
    # No word of the message was seen in training: its confidence is scaled down (the
    # fallback then offers topics); one known word, or only short words, leaves it alone.
    assert out["unknown"] == {
        "kdjfh sdkfj": True,
        "un virus qsdf": False,
        "ok": False,
        "VIRUS !!": False,
        "Sauvegardé ?": False,  # accents folded: « sauvegarde » was seen
    }
    assert out["scaled"] == 0.25
    assert out["known_confidence"] > 0.5


STEM_SCRIPT = r"""
import json, pickle
from rasa_addons.flat_classifier import FlatIntentClassifier, build_model, stem, stemmed_words

out = {"words": stemmed_words("Session BLOQUÉE, je l'ai bloquée hier ; on bloque les sessions ?")}
out["short"] = [stem(w) for w in ("pc", "mail", "code", "mdp", "wifi")]
config = {**FlatIntentClassifier.get_default_config(), "stem_words": True}
model = build_model(config)
model.fit(["session bloquee", "mot de passe oublie", "ecran bloque"], ["a", "b", "a"])
out["steps"] = len(model.steps[0][1].transformer_list)
out["pickled"] = len(pickle.dumps(model)) > 0
out["predicted"] = list(model.predict(["ils bloquent ma session"]))
print(json.dumps(out))
"""


def test_stemmed_words_meet_across_endings() -> None:
    """The light stemmer folds the endings that staff vary (« bloquée », « bloque »,
    « bloquent ») to one form, leaves short words alone, and its n-grams are one more
    part of the model that pickles with it."""
    result = subprocess.run(
        [str(RASA_PY), "-c", STEM_SCRIPT],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    words = out["words"]
    assert words.count("bloqu") == 3, words  # bloquée, bloquée, bloque
    assert "session" in words and words.count("session") == 2  # session, sessions
    assert out["short"] == ["pc", "mail", "code", "mdp", "wifi"]
    assert out["steps"] == 3 and out["pickled"]
    assert out["predicted"] == ["a"]


LOAD_SCRIPT = r"""
import json, sys, tempfile
from pathlib import Path
import rasa_addons.flat_classifier as flat
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

config = {**flat.FlatIntentClassifier.get_default_config(), "sentence_embeddings": True}
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
resource = Resource("flat")
context = ExecutionContext(GraphSchema({}), "test")
examples = [
    Message(data={"text": text, "intent": intent})
    for text, intent in (
        ("un virus sur le pc", "declare_incident"), ("le pc a un virus", "declare_incident"),
        ("faire une sauvegarde", "greet"), ("sauvegarder mes fichiers", "greet"),
    )
]
flat.FlatIntentClassifier.create(config, storage, resource, context).train(
    TrainingData(training_examples=examples)
)
flat._ENCODERS.clear()  # training built one (the features of the examples): a new process
out = {}
flat.FlatIntentClassifier.load(config, storage, resource, context)
out["encoder_after_load"] = sorted(flat._ENCODERS)
flat._ENCODERS.clear()
empty = flat.FlatIntentClassifier.load(config, storage, Resource("untrained"), context)
out["untrained_loads_encoder"] = bool(flat._ENCODERS)
print(json.dumps(out))
"""


def test_loading_the_model_warms_the_encoder_up() -> None:
    """A Rasa server builds the sentence encoder as it loads its model, before it answers its
    health check: the first message after a restart is not the one that waits for it (and
    with it every conversation of that server). An untrained component has nothing to warm."""
    result = subprocess.run(
        [str(RASA_PY), "-c", LOAD_SCRIPT], cwd=ROOT, env=ENV, capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "encoder_after_load": [1],  # the one-thread encoder of a server's predictions
        "untrained_loads_encoder": False,
    }
