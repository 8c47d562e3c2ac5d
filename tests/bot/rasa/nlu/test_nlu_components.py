"""The offline MiniLM encoder and the linear intent classifier component."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.nlu.intent_classifier import LinearIntentClassifier
from knowledge.embedding import WordPieceTokenizer, default_encoder, model_dir


def test_wordpiece_splits_unknown_words_into_known_pieces() -> None:
    tokenizer = WordPieceTokenizer(model_dir() / "vocab.txt")
    ids = tokenizer.encode("Ecommerce manager!")
    assert ids[0] == tokenizer.cls and ids[-1] == tokenizer.sep
    assert tokenizer.unk not in ids
    assert len(ids) > 4  # "ecommerce" is split into word pieces


def test_embeddings_are_unit_length_and_paraphrases_are_closer_than_unrelated_text() -> None:
    vectors = default_encoder().encode([
        "how much does an e-commerce director earn",
        "what is the salary of a director of online retail",
        "book me a taxi to the station",
    ])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def _message(text: str, intent: str | None, words: dict[str, int], vector: np.ndarray) -> Message:
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    counts = np.zeros((1, len(words)))
    for word in text.split():
        if word in words:
            counts[0, words[word]] += 1
    message.add_features(Features(scipy.sparse.coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, "embedding"))
    return message


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def test_classifier_trains_persists_loads_and_ranks_intents(storage: LocalModelStorage) -> None:
    words = {w: i for i, w in enumerate("pay salary earn skills need learn".split())}
    examples = [("pay salary", "ask_salary", [1.0, 0.0]), ("earn pay", "ask_salary", [0.9, 0.1]),
                ("salary earn", "ask_salary", [1.0, 0.1]), ("skills need", "ask_skills", [0.0, 1.0]),
                ("learn skills", "ask_skills", [0.1, 0.9]), ("need learn", "ask_skills", [0.1, 1.0])]
    data = TrainingData([_message(t, i, words, np.array(v)) for t, i, v in examples])
    resource = Resource("linear_intent_classifier")
    context = ExecutionContext(GraphSchema({}), node_name="classifier")
    config = {**LinearIntentClassifier.get_default_config(), "C": 10.0}
    LinearIntentClassifier.create(config, storage, resource, context).train(data)

    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    [message] = loaded.process([_message("what do I earn pay", None, words, np.array([0.8, 0.2]))])
    assert message.get(INTENT)["name"] == "ask_salary"
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["ask_salary", "ask_skills"]
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_an_untrained_classifier_leaves_messages_alone(storage: LocalModelStorage) -> None:
    context = ExecutionContext(GraphSchema({}), node_name="classifier")
    classifier = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage,
                                               Resource("empty"), context)
    [message] = classifier.process([Message(data={TEXT: "hello"})])
    assert message.get(INTENT) is None


def test_one_message_rows_equal_the_training_matrix_rows(storage: LocalModelStorage) -> None:
    """The numpy path used for replies gives exactly the features the classifier was trained on."""
    words = {w: i for i, w in enumerate("pay salary earn skills need learn".split())}
    examples = [("pay pay salary", "ask_salary", [1.0, 0.0]), ("earn pay", "ask_salary", [0.9, 0.1]),
                ("skills need need", "ask_skills", [0.0, 1.0]), ("learn skills", "ask_skills", [0.1, 0.9])]
    data = TrainingData([_message(t, i, words, np.array(v)) for t, i, v in examples])
    context = ExecutionContext(GraphSchema({}), node_name="classifier")
    classifier = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage,
                                               Resource("rows"), context)
    classifier.train(data)
    messages = [_message(t, None, words, np.array(v)) for t, v in
                [("pay pay pay skills", [0.5, 0.5]), ("nothing known", [0.0, 0.0]), ("learn", [0.2, 0.7])]]
    expected = classifier._matrix(messages).toarray()
    rows = np.vstack([classifier._row(m) for m in messages])
    assert np.allclose(rows, expected, atol=1e-12)
    assert rows[0, 0] != 0 and not np.allclose(rows[0], rows[2])
