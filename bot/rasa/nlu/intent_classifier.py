"""Rasa intent classifier: logistic regression over tf-idf n-grams plus sentence embeddings."""
from __future__ import annotations

import logging
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse

logger = logging.getLogger(__name__)


def _sentence_blocks(message: Message) -> dict[str, Any]:
    """The message's sentence-level text features, keyed by the featurizer that made them."""
    blocks: dict[str, Any] = {}
    for features in message.features:
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE:
            origin = features.origin if isinstance(features.origin, str) else "+".join(features.origin)
            blocks[origin] = features.features
    return blocks


def _flat(features: Any, width: int) -> np.ndarray:
    """A sentence feature (sparse or dense, 1 x width) as a flat float row; zeros if absent."""
    if features is None:
        return np.zeros(width)
    if sparse.issparse(features):
        features = features.toarray()
    return np.asarray(features, dtype=np.float64).ravel()


def _tfidf(counts: np.ndarray, transformer: Any, idf: Optional[np.ndarray]) -> np.ndarray:
    """What a fitted scikit-learn TfidfTransformer makes of one row of counts, in numpy.

    `idf` is the transformer's `idf_`, passed in because scikit-learn recomputes that
    property from a sparse diagonal matrix on every access.
    """
    row = counts.copy()
    present = row > 0
    if transformer.sublinear_tf:
        row[present] = np.log(row[present]) + 1.0
    if idf is not None:
        row *= idf
    if transformer.norm == "l2":
        norm = np.linalg.norm(row)
        if norm > 0:
            row /= norm
    elif transformer.norm == "l1":
        total = np.abs(row).sum()
        if total > 0:
            row /= total
    return row


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    """Logistic regression over per-featurizer tf-idf n-grams and weighted dense embeddings.

    Each sparse featurizer's counts become sublinear tf-idf (L2-normalised per featurizer);
    dense features are scaled by `dense_weight`; `C` sets the regularisation strength.
    """

    @classmethod
    def required_components(cls) -> list[type]:
        """Needs featurized messages."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Regularisation, dense weight, iterations, ranking length and seed."""
        return {"C": 100.0, "dense_weight": 2.0, "max_iter": 3000, "ranking_length": 10,
                "random_state": 42}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        """An untrained classifier."""
        self.config = config
        self._model_storage = model_storage
        self._idf_cache: dict[str, Optional[np.ndarray]] = {}
        self._resource = resource
        self.model: Optional[dict[str, Any]] = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        """Create an untrained classifier."""
        return cls(config, model_storage, resource)

    def _matrix(self, messages: list[Message]) -> sparse.csr_matrix:
        assert self.model is not None
        columns = []
        for origin, transformer in self.model["sparse"]:
            rows = [_sentence_blocks(m).get(origin) for m in messages]
            width = self.model["widths"][origin]
            block = sparse.vstack([sparse.csr_matrix(r) if r is not None else sparse.csr_matrix((1, width))
                                   for r in rows])
            columns.append(transformer.transform(block))
        for origin in self.model["dense"]:
            rows = [_sentence_blocks(m).get(origin) for m in messages]
            width = self.model["widths"][origin]
            dense = np.vstack([np.asarray(r).reshape(1, -1) if r is not None else np.zeros((1, width))
                               for r in rows])
            columns.append(sparse.csr_matrix(dense * self.config["dense_weight"]))
        return sparse.hstack(columns).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        """Fit tf-idf per sparse featurizer and the logistic regression."""
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(INTENT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents; skipping training.")
            return self._resource
        first = _sentence_blocks(examples[0])
        sparse_origins = sorted(o for o, f in first.items() if sparse.issparse(f))
        dense_origins = sorted(o for o, f in first.items() if not sparse.issparse(f))
        widths = {o: f.shape[-1] for o, f in first.items()}
        transformers = []
        for origin in sparse_origins:
            block = sparse.vstack([sparse.csr_matrix(_sentence_blocks(m)[origin]) for m in examples])
            transformers.append((origin, TfidfTransformer(sublinear_tf=True).fit(block)))
        self.model = {"sparse": transformers, "dense": dense_origins, "widths": widths}
        classifier = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                        random_state=self.config["random_state"])
        classifier.fit(self._matrix(examples), labels)
        self.model["classifier"] = classifier
        self.persist()
        return self._resource

    def _idf(self, origin: str) -> Optional[np.ndarray]:
        """The idf weights of one sparse featurizer's tf-idf transformer, computed once."""
        assert self.model is not None
        if origin not in self._idf_cache:
            transformer = dict(self.model["sparse"])[origin]
            self._idf_cache[origin] = np.asarray(transformer.idf_) if transformer.use_idf else None
        return self._idf_cache[origin]

    def _row(self, message: Message) -> np.ndarray:
        """One message's features as a dense row, equal to its row of `_matrix`.

        Replies handle one message at a time, where scipy's per-call overhead in `_matrix`
        cost more than the classification itself; plain numpy does the same sums faster.
        """
        assert self.model is not None
        blocks = _sentence_blocks(message)
        widths = self.model["widths"]
        parts = []
        for origin, transformer in self.model["sparse"]:
            parts.append(_tfidf(_flat(blocks.get(origin), widths[origin]), transformer, self._idf(origin)))
        for origin in self.model["dense"]:
            parts.append(_flat(blocks.get(origin), widths[origin]) * self.config["dense_weight"])
        return np.concatenate(parts)

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and the ranking of the most likely intents."""
        if self.model is None or "classifier" not in self.model:
            return messages
        classifier = self.model["classifier"]
        probabilities = classifier.predict_proba(np.vstack([self._row(m) for m in messages]))
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[: self.config["ranking_length"]]
            ranking = [{"name": str(classifier.classes_[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        """Save the fitted model with skops (no pickle of arbitrary objects)."""
        import skops.io as sio

        if self.model is None:
            return
        with self._model_storage.write_to(self._resource) as folder:
            sio.dump(self.model, folder / "linear_intent_classifier.skops")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        """Load the fitted model saved by `persist`, trusting only scikit-learn and numpy types."""
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as folder:
                path = folder / "linear_intent_classifier.skops"
                untrusted = sio.get_untrusted_types(file=path)
                unexpected = [t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "scipy."))]
                if unexpected:
                    raise ValueError(f"unexpected types in the saved classifier: {unexpected}")
                component.model = sio.load(path, trusted=untrusted)
        except (ValueError, FileNotFoundError) as exc:
            logger.warning("LinearIntentClassifier could not load its model: %s", exc)
        return component
