"""Customer emotion per utterance: angry / complaining in a negative tone, and abusive.

`angry` follows the rulings (special.angry_customer): an angry utterance or a complaint in
a negative tone (delays and charges complained about in a negative tone count); a neutral
problem report, urging (快点帮我处理) or a mild 我晕 do not. `abusive` is the nuisance caller
(special.nuisance_call): insults, profanity, sexual remarks, pranks. `intensity` in [0, 1]
grades the anger (0 calm … 1 furious).

Two parts, combined in one linear model per output:
- a lexicon of cue words with weights, with negation (不生气 / 没有不满 / 别生气 do not count),
  giving a few dense features and the `cues` that explain a decision;
- char n-grams (as in acts.py), trained on lines written for callqa
  (`callqa/text/data/emotion.yaml`, `python -m callqa.text.train`), shipped as
  `callqa/text/models/emotion.npz`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy import sparse

from callqa.text.acts import MODELS_DIR, CharNgrams, save_npz, sigmoid
from callqa.text.normalize import clean

# (pattern, weight). Patterns run on clean() text. Single characters that start ordinary
# words (操作, 滚筒, 猪肉) carry a look-ahead.
ANGRY_CUES: tuple[tuple[str, float], ...] = (
    ("气死", 1.5), ("生气", 1.0), ("火大", 1.2), ("恼火", 1.0), ("愤怒", 1.2), ("受够", 1.2),
    ("太过分", 1.2), ("过分", 0.8), ("岂有此理", 1.2), ("不像话", 1.0), ("欺人太甚", 1.5),
    ("破服务", 1.5), ("垃圾", 1.0), ("太差", 1.0), ("很差", 0.8), ("差劲", 1.0), ("烂", 0.6),
    ("不满(?![足月0-9一二三四五六七八九十])", 0.8), ("失望", 0.8), ("凭什么", 1.0),  # 不满足 is no cue
    ("骗子", 1.2), ("欺骗", 1.0), ("抢钱", 1.2),
    ("坑人", 1.0), ("黑心", 1.0), ("太黑", 1.0), ("忽悠", 0.8), ("敷衍", 0.8), ("推来推去", 1.0),
    ("踢皮球", 1.0), ("怎么做事", 1.0), ("什么态度", 1.2), ("怎么回事", 0.5), ("到底", 0.4),
    ("曝光", 1.0), ("消协", 0.8), ("起诉", 0.8), ("告你们", 1.0), ("欺负", 0.8), ("耍我", 1.0),
    ("烦死", 1.0), ("烦不烦", 1.0), ("离谱", 0.8), ("恶心", 1.0), ("不负责", 1.0),
    ("有什么用", 0.8), ("乱扣", 1.0), ("拖了", 0.6), ("这么久", 0.5), ("说了.{1,3}遍", 0.6),
    ("又坏", 0.6), ("又是", 0.3), ("还没到", 0.3), ("没个说法", 0.8), ("不能接受", 0.8),
    ("不认可", 0.6), ("投诉", 0.6), ("无语", 0.5), ("崩溃", 0.8), ("好欺负", 1.0),
    ("好慢", 0.6), ("太慢", 0.6), ("这么慢", 0.6), ("有没有搞错", 1.0), ("服了", 0.6),
    ("误导", 0.8), ("不合理", 0.6), ("没人管", 0.8), ("再也不", 0.6), ("到现在", 0.3),
    ("一贯", 0.3), ("没兑现", 0.8), ("变卦", 0.8),
)  # fmt: skip
ABUSIVE_CUES: tuple[tuple[str, float], ...] = (
    ("傻逼", 2.0), ("煞笔", 2.0), ("傻b", 2.0), ("sb", 1.5), ("他妈", 2.0),
    ("tmd", 1.5), ("nmd", 1.5), ("卧槽", 1.5), ("我靠", 1.0), ("(?<![我你他她老])妈的", 1.5),
    ("操(?![作心场持劳练守纵控])", 1.0),
    ("滚(?![筒动烫])", 1.2), ("去死", 2.0), ("脑残", 2.0), ("白痴", 2.0), ("废物", 1.5),
    ("蠢", 1.2), ("猪(?![肉蹄排])", 0.6), ("有病", 1.0), ("没脑子", 1.5), ("有没有脑子", 1.5),
    ("你大爷", 1.5), ("老子", 1.0), ("贱", 1.5), ("婊", 2.0), ("闭嘴", 1.2), ("算什么东西", 1.5),
    ("听不懂人话", 1.5), ("你个", 0.4), ("你就是个", 0.8), ("我是你爸", 1.5), ("你爸爸", 1.2),
    ("性感", 1.5), ("(?<!大)约会", 0.8), ("男朋友", 0.8), ("女朋友", 0.6), ("漂亮吗", 0.8),
    ("陪我", 1.0), ("一个人住", 1.0), ("哥哥", 0.5),
    ("打着玩", 1.2), ("逗你玩", 1.2), ("无聊", 0.4), ("你猜", 0.6), ("唱首歌", 1.0),
    ("懂个屁", 1.5), ("吃干饭", 1.0), ("聋子", 1.2), ("脑子进水", 1.5), ("草泥马", 2.0),
    ("狗日", 2.0), ("娘的", 1.5), ("妈蛋", 1.2), ("自拍(?!杆)", 0.8), ("身材", 0.8), ("结婚了没", 1.0),
)  # fmt: skip
# A negator just before a cue, in the same clause, cancels it (不生气 / 没有不满 / 别生气).
_NEGATED = re.compile(r"(不|没|别|无|未|并不|并没)(是|有|太|很|会|要|用|在)?(很|太|那么|怎么)?$")
_CLAUSE_BREAK = re.compile(r"[,.!?;:~ ]")
_QUESTIONS = re.compile(r"[?？]{2,}")
_ANGRY_MARKS = re.compile(r"😡|🤬|😠|\[(发怒|怒|抓狂)\]")

LEXICON_FEATURES = ("angry_cues", "negated_cues", "abusive_cues", "exclaim", "questions",
                    "angry_marks")  # fmt: skip


def _compile(cues: tuple[tuple[str, float], ...]) -> list[tuple[re.Pattern[str], str, float]]:
    return [(re.compile(pattern), pattern, weight) for pattern, weight in cues]


_ANGRY = _compile(ANGRY_CUES)
_ABUSIVE = _compile(ABUSIVE_CUES)
# One pass that tells whether any cue occurs (most utterances have none); the per-cue
# patterns then find overlapping cues (太过分 and 过分).
_ANY_ANGRY = re.compile("|".join(f"(?:{p})" for p, _ in ANGRY_CUES))
_ANY_ABUSIVE = re.compile("|".join(f"(?:{p})" for p, _ in ABUSIVE_CUES))


@dataclass(frozen=True)
class Emotion:
    angry: float  # probability the utterance is angry / complains in a negative tone
    abusive: float  # probability it is abusive / harassing
    intensity: float  # 0 calm … 1 furious
    cues: tuple[str, ...]  # lexicon cues found (negated ones excluded)


def _is_negated(text: str, start: int) -> bool:
    before = text[max(0, start - 6) : start]
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(before)), default=0)
    return bool(_NEGATED.search(before[cut:]))


def find_cues(text: str) -> tuple[list[tuple[str, float]], list[str], list[tuple[str, float]]]:
    """(angry cues kept, angry cues negated, abusive cues) in clean() text."""
    kept: list[tuple[str, float]] = []
    negated: list[str] = []
    for pattern, _, weight in _ANGRY if _ANY_ANGRY.search(text) else ():
        for m in pattern.finditer(text):
            if _is_negated(text, m.start()):
                negated.append(m.group())
            else:
                kept.append((m.group(), weight))
    abusive = [(m.group(), w) for pattern, _, w in (_ABUSIVE if _ANY_ABUSIVE.search(text) else ())
               for m in pattern.finditer(text)]  # fmt: skip
    return kept, negated, abusive


def lexicon_features(texts: Sequence[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Dense features (n, len(LEXICON_FEATURES)) scaled to about [0, 1], and the cues."""
    rows = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float32)
    all_cues: list[tuple[str, ...]] = []
    for i, raw in enumerate(texts):
        text = clean(raw)
        kept, negated, abusive = find_cues(text)
        rows[i] = (
            min(sum(w for _, w in kept), 3.0) / 3.0,
            min(len(negated), 2) / 2.0,
            min(sum(w for _, w in abusive), 3.0) / 3.0,
            # Punctuation from the raw text: clean() shortens runs (！！！ → !!).
            min(raw.count("!") + raw.count("！"), 3) / 3.0,
            1.0 if _QUESTIONS.search(raw) else 0.0,
            1.0 if _ANGRY_MARKS.search(raw) else 0.0,
        )
        all_cues.append(tuple(dict.fromkeys(c for c, _ in kept + abusive)))
    return rows, all_cues


def lexicon_signature() -> np.ndarray:
    """The cue lists as stored in the model file: a model must match the code's lexicon."""
    return np.array([f"{p}={w}" for p, w in ANGRY_CUES + ABUSIVE_CUES] + list(LEXICON_FEATURES))


class EmotionModel:
    """Angry / abusive probabilities and anger intensity; see the module docstring."""

    HEADS = ("angry", "abusive", "intensity")

    def __init__(self, featurizer: CharNgrams, coef: np.ndarray, intercept: np.ndarray,
                 angry_threshold: float, abusive_threshold: float) -> None:
        self.featurizer = featurizer
        self._coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)  # (features, 3)
        self._intercept = intercept.astype(np.float32)
        self.angry_threshold = float(angry_threshold)
        self.abusive_threshold = float(abusive_threshold)

    @classmethod
    def load(cls, path: str | Path) -> EmotionModel:
        with np.load(path, allow_pickle=False) as z:
            if z["lexicon"].tolist() != lexicon_signature().tolist():
                raise ValueError(f"{path} was trained with another lexicon; run "
                                 "`python -m callqa.text.train`")  # fmt: skip
            featurizer = CharNgrams(z["vocabulary"].tolist(), int(z["ngram_max"]))
            return cls(featurizer, z["coef"].astype(np.float32), z["intercept"],
                       float(z["thresholds"][0]), float(z["thresholds"][1]))  # fmt: skip

    def save(self, path: str | Path) -> None:
        save_npz(
            path, vocabulary=np.array(self.featurizer.vocabulary),
            ngram_max=np.int64(self.featurizer.ngram_max), lexicon=lexicon_signature(),
            heads=np.array(self.HEADS), coef=self._coef_t.T.astype(np.float16),
            intercept=self._intercept,
            thresholds=np.array([self.angry_threshold, self.abusive_threshold]),
        )  # fmt: skip

    @staticmethod
    def features(featurizer: CharNgrams, texts: Sequence[str]) -> tuple[sparse.csr_matrix,
                                                                          list[tuple[str, ...]]]:
        """N-gram columns followed by the lexicon columns (the training layout too)."""
        dense, cues = lexicon_features(texts)
        return sparse.hstack([featurizer.transform(texts), sparse.csr_matrix(dense)],
                             format="csr"), cues  # fmt: skip

    def raw_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        x, cues = self.features(self.featurizer, texts)
        return np.asarray(x @ self._coef_t) + self._intercept, cues

    def analyse(self, texts: Sequence[str]) -> list[Emotion]:
        texts = list(texts)
        if not texts:
            return []
        scores, cues = self.raw_scores(texts)
        angry = sigmoid(scores[:, 0])
        abusive = sigmoid(scores[:, 1])
        intensity = np.clip(scores[:, 2], 0.0, 1.0)
        return [Emotion(float(a), float(b), float(c), k)
                for a, b, c, k in zip(angry, abusive, intensity, cues, strict=True)]  # fmt: skip


@cache
def default_model() -> EmotionModel:
    """The shipped model (callqa/text/models/emotion.npz), loaded once."""
    return EmotionModel.load(MODELS_DIR / "emotion.npz")
