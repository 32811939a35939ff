"""Operators on what was said: phrases, regex, dialog acts, similarity, emotion, PII."""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from callqa.standard.conditions import Compiler, Operator, operator
from callqa.standard.context import CallContext
from callqa.standard.hits import UNKNOWN, Hit, Match, Region, Scope

# A phrase written as a number in YAML (12315, 95000) is still a phrase.
Text = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]
Phrase = Text | list[Text]  # a list is one item written several ways (synonyms)


def _distinct_utts(hits: list[Hit]) -> int:
    return len({h.utt for h in hits})


def _in_region(region: Region, start: int, end: int) -> bool:
    return start >= region.lo and end <= region.hi


class _TextOperator(Operator):
    signals = frozenset({"text"})

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        # A call without a transcript (audio or events only) has no text signal at all:
        # unknown, so the checkpoint is `na` rather than "nothing was said".
        return self.match(ctx, scope) if ctx.size else UNKNOWN

    @abstractmethod
    def match(self, ctx: CallContext, scope: Scope) -> Match: ...

    def counted(self, hits: list[Hit], minimum: int) -> Match:
        return Match(_distinct_utts(hits) >= minimum, hits)


@operator
class Phrases(_TextOperator):
    """Phrases anywhere in the scope: `any` of them, `all` of them (per turn unless
    `same_turn: false`), or `none`. A list inside a list is one item with synonyms.
    Matching is on normalised text and tolerates ASR homophones unless `homophones: false`;
    `fuzzy: true` also accepts one missing or extra character. `exclude` skips turns that
    contain any of its phrases; `min` asks for hits in at least N turns."""

    name = "phrases"
    shorthand = "any"

    class Params(Operator.Params):
        any: list[Phrase] | None = None
        all: list[Phrase] | None = None
        none: list[Phrase] | None = None
        exclude: list[Phrase] | None = None
        homophones: bool = True
        fuzzy: bool = False
        same_turn: bool = True
        whole_words: bool = False  # a hit may not start inside a word: 不着急|什么时候 has no 急什么
        min: int = 1

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        if not (params.any or params.all or params.none):
            raise ValueError("give at least one of any / all / none")
        lexicon, mode = compiler.lexicon, {"homophones": params.homophones, "fuzzy": params.fuzzy}

        def flat(items: list[Phrase]) -> list[str]:
            return [p for item in items for p in ([item] if isinstance(item, str) else item)]

        self.any_id = lexicon.register(flat(params.any), **mode) if params.any else None
        self.all_ids = [lexicon.register([g] if isinstance(g, str) else g, **mode)
                        for g in params.all or []]
        self.none_id = lexicon.register(flat(params.none), **mode) if params.none else None
        self.exclude_id = (lexicon.register(flat(params.exclude), homophones=False)
                           if params.exclude else None)

    def _hits(self, ctx: CallContext, region: Region, list_id: int) -> list[Hit]:
        found = ctx.phrase_hits[region.utt].get(list_id)
        if not found:
            return []
        hits = [Hit(region.utt, h.start, h.end, confidence=h.confidence)
                for h in found if h.start >= region.lo and h.end <= region.hi]
        if self.params.whole_words and hits:
            bounds = ctx.word_bounds(region.utt)
            hits = [h for h in hits if h.start in bounds]
        return hits

    def _hits_in(self, ctx: CallContext, regions: tuple[Region, ...], list_id: int) -> list[Hit]:
        """Hits of one list in all regions; most turns have none, so look those up first."""
        per_utt = ctx.phrase_hits
        out: list[Hit] = []
        for r in regions:
            if list_id in per_utt[r.utt]:
                out += self._hits(ctx, r, list_id)
        return out

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        regions = scope.regions
        if self.exclude_id is not None:
            per_utt = ctx.phrase_hits
            regions = tuple(r for r in regions if self.exclude_id not in per_utt[r.utt])
        hits: list[Hit] = []
        if self.any_id is not None:
            hits = self._hits_in(ctx, regions, self.any_id)
            if _distinct_utts(hits) < self.params.min:
                return Match(False, [], near=max((h.confidence for h in hits), default=0.0))
        if self.all_ids:
            found = self._all(ctx, regions)
            if _distinct_utts(found) < self.params.min:
                return Match(False)
            hits += found
        if self.none_id is not None:
            bad = self._hits_in(ctx, regions, self.none_id)
            if bad:
                return Match(False, [], near=max(h.confidence for h in bad))
            if not hits:  # `none` alone is true with no hits to show
                return Match(True, [])
        return Match(True, hits)

    def _all(self, ctx: CallContext, regions: tuple[Region, ...]) -> list[Hit]:
        if self.params.same_turn:
            out: list[Hit] = []
            for r in regions:
                per_group = [self._hits(ctx, r, gid) for gid in self.all_ids]
                if all(per_group):
                    out.extend(h for group in per_group for h in group)
            return out
        per_group = [self._hits_in(ctx, regions, gid) for gid in self.all_ids]
        return [h for group in per_group for h in group] if all(per_group) else []


@operator
class Keywords(Phrases):
    """Another name for `phrases` (the word most QA products use)."""

    name = "keywords"


@operator
class Regex(_TextOperator):
    """A regular expression on each turn of the scope (normalised text: Chinese punctuation
    folded to ASCII, spaces removed, spoken digits as digits; `raw: true` for the original
    text). `exclude` is a second pattern: turns matching it are skipped."""

    name = "regex"
    shorthand = "pattern"

    class Params(Operator.Params):
        pattern: str
        exclude: str | None = None
        raw: bool = False
        min: int = 1

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        try:
            self.pattern = re.compile(params.pattern)
            self.exclude = re.compile(params.exclude) if params.exclude else None
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        hits: list[Hit] = []
        for r in scope.regions:
            norm = ctx.norm[r.utt]
            if self.params.raw:
                lo, hi = norm.span(r.lo, min(r.hi, len(norm.text)))
                text = ctx.call.utterances[r.utt].text
                full = text
            else:
                lo, hi = r.lo, min(r.hi, len(norm.text))
                full = norm.text
            if self.exclude is not None and self.exclude.search(full):
                continue
            for m in self.pattern.finditer(full, lo, hi):
                if self.params.raw:
                    hits.append(Hit(r.utt, *_to_norm(norm.offsets, m.start(), m.end())))
                else:
                    hits.append(Hit(r.utt, m.start(), m.end()))
        return self.counted(hits, self.params.min)


def _to_norm(offsets: tuple[int, ...], start: int, end: int) -> tuple[int, int]:
    """Original span → the normalised span covering it."""
    from bisect import bisect_left

    lo = bisect_left(offsets, start, 0, len(offsets) - 1)
    hi = bisect_left(offsets, end, 0, len(offsets) - 1)
    return lo, max(hi, lo + 1) if end > start else hi


@operator
class CorrectsOwnWords(_TextOperator):
    """Agent turns that contradict the agent's own earlier words: 不是三天，是五个工作日 /
    三天不对，是五天 where 三天 is something the agent said before. A contrast with words the
    agent never used (不是退款，是退货) explains; it does not correct."""

    name = "corrects_own_words"
    shorthand = "min_chars"
    _CONTRAST = re.compile(r"不是(?P<old>[^,.!?]{2,10}?)[,.!?]?(?:而|应该)?是|"
                           r"(?P<old2>[^,.!?]{2,10}?)(?:不对|不准|有误|作废|不算)[,.!?]?(?:应该|其实|实际)?是")

    class Params(Operator.Params):
        min_chars: int = 2  # the repeated words must be at least this long

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        hits: list[Hit] = []
        for r in scope.regions:
            if ctx.speaker(r.utt) != "agent":
                continue
            text = ctx.norm[r.utt].text
            earlier = [ctx.norm[i].text for i in range(r.utt) if ctx.speaker(i) == "agent"]
            if not earlier:
                continue
            for m in self._CONTRAST.finditer(text, r.lo, min(r.hi, len(text))):
                old = _core(m.group("old") or m.group("old2") or "")
                if (len(old) >= self.params.min_chars and not _FUNCTION_START.match(old)
                        and any(old in t for t in earlier)):
                    hits.append(Hit(r.utt, m.start(), m.end()))
            hits += _value_swaps(r.utt, text, earlier[-2:])
        return Match(bool(hits), hits)


# A figure with its unit: 500元 / 三百 / 二楼 / 10分钟 / 8点十分 / 十二期
_VALUE = re.compile(r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万]{1,6})"
                    r"(?:个工作日|工作日|分钟|小时|元|块|天|号|日|月|年|期|楼|度|档|张|点|%|g)")


def _value_swaps(utt: int, text: str, earlier: list[str]) -> list[Hit]:
    """A turn that names a figure of the agent's last turns next to a new figure of the same
    unit: 押金是三百，五百那个是含首月租金的 / 是三楼，二楼是收费处 (the agent had said 五百 /
    二楼). Ordinary answers repeat the old figure alone, or give new ones alone."""
    values = [(m, m.group()) for m in _VALUE.finditer(text)]
    # the old figure set aside: 五百那个是… / 二楼是收费处 / 三年的是压缩机
    said = [v for m, v in values if any(v in t for t in earlier) and _SET_ASIDE.match(text, m.end())]
    new = [(m, v) for m, v in values if not any(v in t for t in earlier)]
    for m, v in new:
        if any(_unit(v) == _unit(o) and v != o for o in said):
            return [Hit(utt, m.start(), m.end())]
    return []


_SET_ASIDE = re.compile(r"(?:那个|的那个|的)?是")


def _unit(value: str) -> str:
    return value.lstrip("0123456789.零一二两三四五六七八九十百千万")


# 不是的，如果… / 不是因为… : the start of a clause, not a claim being taken back
_FUNCTION_START = re.compile(r"的|如果|因为|所以|只|要|很|太|这样|那样|这个|那个|说|我|您|你")


def _core(words: str) -> str:
    """The claim without the frame around it: 刚才说的三天 → 三天."""
    return re.sub(r"^(?:刚才|之前|前面|我)?(?:说|讲|报)?(?:的|了)?|[的了]$", "", words)


@operator
class Act(_TextOperator):
    """Dialog act(s) of a turn from the trained classifier (callqa.text.acts): true for turns
    whose probability reaches the act's threshold (or `threshold`)."""

    name = "act"
    shorthand = "is"
    signals = frozenset({"text", "acts"})

    class Params(Operator.Params):
        model_config = ConfigDict(extra="forbid", populate_by_name=True)

        is_: list[str] = Field(alias="is")
        threshold: float | None = None
        min: int = 1

        @field_validator("is_", mode="before")
        @classmethod
        def _one_or_many(cls, value: Any) -> Any:
            return [value] if isinstance(value, str) else value

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        from callqa.text.acts import ACTS

        unknown = [a for a in params.is_ if a not in ACTS]
        if unknown:
            raise ValueError(f"unknown act {unknown[0]!r}; known acts: {', '.join(ACTS)}")
        self.columns = [ACTS.index(a) for a in params.is_]
        self.threshold = params.threshold

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        from callqa.text.acts import default_model

        limits = default_model().thresholds()
        hits: list[Hit] = []
        near = 0.0
        for r in scope.regions:
            row = ctx.acts_of(r.utt) if r.lo == 0 and r.hi >= len(ctx.norm[r.utt].text) else \
                _partial_acts(ctx, r)
            best = None
            for col in self.columns:
                p = float(row[col])
                limit = self.threshold if self.threshold is not None else float(limits[col])
                if p >= limit:
                    best = max(best or 0.0, p)
                else:
                    near = max(near, p / limit * 0.5)
            if best is not None:
                hits.append(Hit(r.utt, r.lo, min(r.hi, len(ctx.norm[r.utt].text)), confidence=best))
        m = self.counted(hits, self.params.min)
        m.near = near
        return m


def _partial_acts(ctx: CallContext, region: Region):
    """Acts of part of a turn (the rest of a chat message after 请稍等 …), cached per call."""
    key = ("acts-part", region.utt, region.lo, region.hi)
    if key not in ctx.memo:
        from callqa.text.acts import default_model

        text = _letters(ctx.text_of(region))
        model = default_model()
        ctx.memo[key] = model.predict_proba([text])[0] if text else [0.0] * len(model.acts)
    return ctx.memo[key]


@operator
class Similar(_TextOperator):
    """Turns similar to any example sentence (char n-gram cosine by default; `backend: e5`
    uses the optional multilingual-e5-small embeddings)."""

    name = "similar"
    shorthand = "to"

    class Params(Operator.Params):
        to: list[str]
        threshold: float = 0.6
        backend: Literal["ngram", "e5"] = "ngram"
        min: int = 1

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        from callqa.text.similarity import SimilarityIndex

        self.index = SimilarityIndex(params.to, backend=params.backend)

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        key = ("similar", id(self))
        cache = ctx.memo.setdefault(key, {})
        todo = [r for r in scope.regions if (r.utt, r.lo, r.hi) not in cache]
        if todo:
            scores, _ = self.index.best([ctx.call.utterances[r.utt].text if r.lo == 0
                                         else ctx.text_of(r) for r in todo])
            for r, s in zip(todo, scores, strict=True):
                cache[(r.utt, r.lo, r.hi)] = float(s)
        hits, near = [], 0.0
        for r in scope.regions:
            s = cache[(r.utt, r.lo, r.hi)]
            if s >= self.params.threshold:
                hits.append(Hit(r.utt, r.lo, min(r.hi, len(ctx.norm[r.utt].text)), confidence=s))
            else:
                near = max(near, s)
        m = self.counted(hits, self.params.min)
        m.near = near
        return m


@operator
class Emotion(_TextOperator):
    """Turns whose speaker is angry/complaining (`angry`) or abusive (`abusive`), from the
    emotion model (lexicon + classifier); `threshold` overrides the model's."""

    name = "emotion"
    shorthand = "kind"
    signals = frozenset({"text", "emotion"})

    class Params(Operator.Params):
        kind: Literal["angry", "abusive"] = "angry"
        threshold: float | None = None
        min_intensity: float = 0.0
        min: int = 1

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        from callqa.text.emotion import default_model

        model = default_model()
        limit = self.params.threshold
        if limit is None:
            limit = model.angry_threshold if self.params.kind == "angry" else model.abusive_threshold
        hits, near = [], 0.0
        for r in scope.regions:
            e = ctx.emotion_of(r.utt)
            p = e.angry if self.params.kind == "angry" else e.abusive
            if p >= limit and e.intensity >= self.params.min_intensity:
                hits.append(Hit(r.utt, 0, len(ctx.norm[r.utt].text), confidence=p))
            else:
                near = max(near, p)
        m = self.counted(hits, self.params.min)
        m.near = near
        return m


@operator
class Pii(_TextOperator):
    """Personal data in the turn (ID card, mobile, bank card, e-mail, QQ/WeChat, a name the
    speaker introduces), from callqa.text.pii."""

    name = "pii"
    shorthand = "kinds"

    class Params(Operator.Params):
        kinds: list[str] | None = None
        not_said_by: Literal["agent", "customer"] | None = None  # reading back their own number
        min: int = 1

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        from callqa.text.pii import find_pii

        theirs = self._said_by(ctx) if self.params.not_said_by else set()
        hits = []
        for r in scope.regions:
            norm = ctx.norm[r.utt]
            if not _MAY_HOLD_PII.search(norm.text):
                continue  # most turns hold no number, address or name introduction at all
            for p in find_pii(ctx.call.utterances[r.utt].text, kinds=self.params.kinds):
                if _digits(p.text) in theirs or p.text in theirs:
                    continue
                lo, hi = _to_norm(norm.offsets, p.start, p.end)
                if _in_region(r, lo, hi) or (r.lo == 0 and r.hi >= len(norm.text)):
                    hits.append(Hit(r.utt, lo, hi, confidence=p.score))
        return self.counted(hits, self.params.min)


    def _said_by(self, ctx: CallContext) -> set[str]:
        """PII the other party said themselves (digits only, so spacing does not matter)."""
        from callqa.text.pii import find_pii

        key = ("pii-said", self.params.not_said_by)
        if key not in ctx.memo:
            said = set()
            for i, u in enumerate(ctx.call.utterances):
                if ctx.roles[i] == self.params.not_said_by:
                    for p in find_pii(u.text):
                        said |= {p.text, _digits(p.text)}
            ctx.memo[key] = said - {""}
        return ctx.memo[key]


# Cheap test on the normalised turn (spoken digits are already digits) before the recognizers.
_MAY_HOLD_PII = re.compile(r"\d{5,}|@|微信|qq|vx|wx|扣扣|我叫|我姓|我是|名字|邮箱")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@operator
class Turns(_TextOperator):
    """How many turns the scope holds: `min` (default 1) and optional `max`."""

    name = "turns"
    shorthand = "min"
    signals = frozenset()

    class Params(Operator.Params):
        min: int = 1
        max: int | None = None
        min_chars: int = 1  # a turn counts only with at least this many characters

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        utts = sorted({r.utt for r in scope.regions
                       if len(_letters(ctx.text_of(r))) >= self.params.min_chars})
        ok = len(utts) >= self.params.min and (self.params.max is None or len(utts) <= self.params.max)
        return Match(ok, [Hit(u, 0, len(ctx.norm[u].text)) for u in utts] if ok else [])


_NOT_LETTER = re.compile(r"[\W_]+")


def _letters(text: str) -> str:
    return _NOT_LETTER.sub("", text)


@operator
class AddressesCustomer(_TextOperator):
    """The agent addresses the customer with a title: 〈surname〉先生/女士 when the surname is
    known (the customer gives it, or the agent already uses it), else 先生/女士 alone."""

    name = "addresses_customer"
    shorthand = "titles"

    class Params(Operator.Params):
        titles: tuple[str, ...] = ("先生", "女士", "小姐", "先森")  # 先森: chat and ASR spelling
        surname_patterns: tuple[str, ...] = (
            r"(?:我|本人)(?:姓|叫)(?P<name>[\u4e00-\u9fff])",
            r"(?<![贵您你])姓(?P<name>[\u4e00-\u9fff])",  # 我这边姓宋 / 姓李，木子李
            r"免贵姓(?P<name>[\u4e00-\u9fff])",
            r"(?:我是|这是)(?P<name>[\u4e00-\u9fff])(?:先生|女士|小姐)",
            r"(?:我是|我叫)(?P<name>[\u4e00-\u9fff])[\u4e00-\u9fff]{1,2}(?:[,.!?~]|$)",
        )

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        self.surname = [re.compile(p) for p in params.surname_patterns]
        titles = "|".join(map(re.escape, params.titles))
        self.title = re.compile(rf"(?P<name>[\u4e00-\u9fff]?)(?:{titles})")

    def match(self, ctx: CallContext, scope: Scope) -> Match:
        surnames = {m.group("name") for i in range(ctx.size) if ctx.speaker(i) == "customer"
                    for p in self.surname for m in p.finditer(ctx.norm[i].text)} & _SURNAMES
        with_name, bare = [], []
        for r in scope.regions:
            if ctx.speaker(r.utt) != "agent":
                continue
            text = ctx.norm[r.utt].text
            for m in self.title.finditer(text, r.lo, min(r.hi, len(text))):
                name = m.group("name")
                hit = Hit(r.utt, m.start(), m.end())
                if _is_surname(name, text[max(0, m.start() - 1) : m.start()]):
                    with_name.append((name, hit))
                else:
                    bare.append(hit)
        known = surnames | {n for n, _ in with_name}
        if known:
            good = [h for n, h in with_name if n in known]
            return Match(bool(good), good)
        return Match(bool(bare), bare)


# The commonest single-character surnames (百家姓, by frequency); enough to tell 王先生 from
# 好的先生. A centre with rarer surnames is still judged fairly: a bare 先生 after the
# customer gave such a surname is compared with the surname the customer said.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈"
    "饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵"
    "苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)


def _is_surname(name: str, before: str) -> bool:
    """Is `name` (the character before 先生/女士) a surname rather than part of a phrase?"""
    if not name or name not in _SURNAMES:
        return False
    return not (name == "谢" and before in ("谢", "感", "多", "致"))  # 谢谢先生 thanks, not 谢先生
