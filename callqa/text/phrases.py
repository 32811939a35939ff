"""Find many phrases at once in normalised text: exact, homophone-tolerant and fuzzy.

A `Lexicon` holds every phrase list a standard uses. Each list is registered once (it gets
an id); `scan()` then runs one Aho-Corasick pass per mode over a whole call and returns,
per text, the hits of every list. That keeps the cost per call independent of how many
checkpoints use phrases.

Modes, with the confidence a hit reports:
- exact (1.0): the normalised phrase occurs in the normalised text;
- homophone (0.85): same toneless pinyin, where the text looks like an ASR error: ASR writes
  头诉 for 投诉, 推款 for 退款, 烧等 for 稍等 — non-words. A sound-alike that cuts through a
  word of the sentence (有物流 is not 有误) or is itself a dictionary word (稍后 "later" is
  not 稍候 "wait a moment") is not a hit; the word segmentation is rjieba's. Looser folds
  (zh≈z, -ng≈-n) were tried and dropped: they turned 是 into 四 and 公式 into 公司.
- fuzzy (0.75): one character missing from, or one extra character inside, the phrase
  (phrases of four characters or more).

Phrases are matched on a *matching view* of the normalised text: punctuation removed (ASR
has none, chat has plenty: 你问我，我问谁 is 你问我我问谁) and 您 read as 你 (politeness is
not meaning). Spans are mapped back to the normalised text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick_rs
import rjieba

from callqa.text.normalize import clean

EXACT, HOMOPHONE, FUZZY = 1.0, 0.85, 0.75
_SEP = "\x00"
_PUNCT = re.compile(r"[^\w]|_")
_FOLD = str.maketrans({"您": "你", "妳": "你"})
_FUZZY_MIN = 4  # shorter phrases are too easy to hit by accident with an edit
_HOMOPHONE_MIN = 2  # one character sounds like dozens of others


@dataclass(frozen=True, slots=True)
class PhraseHit:
    phrase: str  # the phrase as registered (normalised)
    start: int  # span in the normalised text
    end: int
    confidence: float


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    """Character → one private-use character per (similar) syllable, for str.translate."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    codes: dict[str, str] = {}
    table: dict[int, str] = {}
    for code, readings in pinyin_dict.items():
        syllable = to_normal(readings.split(",")[0])
        if syllable not in codes:
            codes[syllable] = chr(0xF0000 + len(codes))
        table[code] = codes[syllable]
    return table


def matching_view(text: str) -> tuple[str, list[int] | None]:
    """Normalised text as phrases see it, and for each of its characters the offset in
    `text` (None when nothing was removed)."""
    folded = text.translate(_FOLD)
    if not _PUNCT.search(folded):
        return folded, None
    keep = [i for i, ch in enumerate(folded) if not _PUNCT.match(ch)]
    return "".join(folded[i] for i in keep), keep


def to_pinyin_code(text: str) -> str:
    """Same-length string where characters that sound alike are equal."""
    return text.translate(_pinyin_table())


class Lexicon:
    """Phrase lists registered by a standard's operators, matched together."""

    def __init__(self, homophones: bool = True) -> None:
        self.homophones = homophones  # False switches the homophone mode off for every list
        self._lists: list[tuple[tuple[str, ...], bool, bool]] = []
        self._ids: dict[tuple[tuple[str, ...], bool, bool], int] = {}
        self._compiled = False

    def register(self, phrases: Iterable[str], *, homophones: bool = False,
                 fuzzy: bool = False) -> int:
        """Add a phrase list; returns its id (the same list gets the same id)."""
        normalised = tuple(sorted({p for p in (matching_view(clean(x))[0] for x in phrases) if p}))
        if not normalised:
            raise ValueError("a phrase list needs at least one non-empty phrase")
        key = (normalised, homophones and self.homophones, fuzzy)
        if key not in self._ids:
            if self._compiled:
                raise RuntimeError("the lexicon is compiled; register phrases before scanning")
            self._ids[key] = len(self._lists)
            self._lists.append(key)
        return self._ids[key]

    def phrases(self, list_id: int) -> tuple[str, ...]:
        return self._lists[list_id][0]

    def compile(self) -> None:
        exact: dict[str, list[int]] = defaultdict(list)  # pattern → list ids
        sound: dict[str, list[tuple[int, str]]] = defaultdict(list)
        dropped: dict[str, list[tuple[int, str]]] = defaultdict(list)  # phrase minus a char
        halves: dict[str, list[tuple[int, str, int]]] = defaultdict(list)  # split pieces
        for list_id, (phrases, homophones, fuzzy) in enumerate(self._lists):
            for phrase in phrases:
                exact[phrase].append(list_id)
                if homophones and len(phrase) >= _HOMOPHONE_MIN:
                    sound[to_pinyin_code(phrase)].append((list_id, phrase))
                if fuzzy and len(phrase) >= _FUZZY_MIN:
                    for i in range(len(phrase)):
                        dropped[phrase[:i] + phrase[i + 1 :]].append((list_id, phrase))
                    for i in range(2, len(phrase) - 1):
                        halves[phrase[:i]].append((list_id, phrase, -i))  # left piece
                        halves[phrase[i:]].append((list_id, phrase, i))  # right piece
        self._exact = _Automaton(exact)
        self._sound = _Automaton(sound) if sound else None
        self._dropped = _Automaton(dropped) if dropped else None
        self._halves = _Automaton(halves) if halves else None
        self._compiled = True

    def scan(self, texts: Sequence[str]) -> list[dict[int, list[PhraseHit]]]:
        """For each normalised text: list id → hits. Exact hits are kept as found; an
        approximate hit is dropped where an exact hit of the same phrase overlaps it."""
        if not self._compiled:
            self.compile()
        views = [matching_view(t) for t in texts]
        texts = [v for v, _ in views]
        maps = [m for _, m in views]
        joined = _SEP.join(texts)
        starts = [0]
        for text in texts[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        per_text: list[dict[int, list[PhraseHit]]] = [{} for _ in texts]
        patterns, values = self._exact.patterns, self._exact.values
        for pattern, start, end in self._exact.find(joined):
            index = bisect_right(starts, start) - 1
            lo, hi = _back(maps[index], start - starts[index], end - starts[index])
            hit = PhraseHit(patterns[pattern], lo, hi, EXACT)
            lists = per_text[index]
            for list_id in values[pattern]:
                if list_id in lists:
                    lists[list_id].append(hit)
                else:
                    lists[list_id] = [hit]
        approx: dict[tuple[int, int, int], PhraseHit] = {}

        def keep(list_id: int, phrase: str, start: int, end: int, conf: float) -> None:
            key = (list_id, start, end)
            if key not in approx or approx[key].confidence < conf:
                approx[key] = PhraseHit(phrase, start, end, conf)

        if self._sound is not None:
            words: dict[int, list[tuple[int, str]]] = {}  # text index → its words, on demand
            for pattern, start, end in self._sound.find(to_pinyin_code(joined)):
                said = joined[start:end]
                index = bisect_right(starts, start) - 1
                if _crosses_punctuation(maps[index], start - starts[index], end - starts[index]):
                    continue  # sound-alikes never span a comma: 不赔！我 is not 陪我
                for list_id, phrase in self._sound.values[pattern]:
                    if said != phrase and _asr_error(texts[index], start - starts[index], phrase,
                                                     words, index):
                        keep(list_id, phrase, start, end, HOMOPHONE)
        if self._dropped is not None:
            for pattern, start, end in self._dropped.find(joined):
                for list_id, phrase in self._dropped.values[pattern]:
                    keep(list_id, phrase, start, end, FUZZY)
        if self._halves is not None:
            self._join_halves(joined, keep)
        if approx:
            _merge_approximate(per_text, approx, starts, maps)
        return per_text

    def _join_halves(self, joined: str, keep) -> None:
        """A left and right piece of one phrase with exactly one character between."""
        lefts: dict[tuple[int, str, int, int], int] = {}  # (list, phrase, split, end) → start
        found = self._halves.find(joined)  # type: ignore[union-attr]
        for pattern, start, end in found:
            for list_id, phrase, split in self._halves.values[pattern]:  # type: ignore[union-attr]
                if split < 0:
                    lefts[(list_id, phrase, -split, end)] = start
        for pattern, start, end in found:
            for list_id, phrase, split in self._halves.values[pattern]:  # type: ignore[union-attr]
                if split > 0 and joined[start - 1] != _SEP:
                    left_start = lefts.get((list_id, phrase, split, start - 1))
                    if left_start is not None:
                        keep(list_id, phrase, left_start, end, FUZZY)


def _asr_error(text: str, start: int, phrase: str, cache: dict, index: int) -> bool:
    """Is text[start:start+len(phrase)], which sounds like `phrase`, plausibly a
    misrecognition of it rather than other words that happen to sound alike?"""
    if index not in cache:
        offset, spans = 0, []
        for word in rjieba.cut(text):
            spans.append((offset, word))
            offset += len(word)
        cache[index] = spans
    end = start + len(phrase)
    bounds = {o for o, _ in cache[index]} | {len(text)}
    if end not in bounds and _particles_follow(text, end, cache[index]):
        bounds.add(end)  # rjieba glues a particle to an unknown word: 再|健哈 is 再健 + 哈
    if start not in bounds or end not in bounds:
        return False  # it cuts through a word: 有|物流 is not 有误
    for offset, word in cache[index]:
        if start <= offset and offset + len(word) <= end and len(word) > 1:
            meant = phrase[offset - start : offset - start + len(word)]
            if word != meant and _common_word(word, meant):
                return False  # a real word in its own right: 稍后 is not 稍候
    return True


_PARTICLES = frozenset("哈啊呀呢吧嘛啦哦噢喔呗嘞咯哟")


def _particles_follow(text: str, end: int, words: list[tuple[int, str]]) -> bool:
    """Does the word around `end` continue with sentence particles only?"""
    for offset, word in words:
        if offset < end < offset + len(word):
            return all(ch in _PARTICLES for ch in text[end : offset + len(word)])
    return False


class _Automaton:
    def __init__(self, values: dict) -> None:
        self.patterns = list(values)
        self.values = [values[p] for p in self.patterns]
        self._ac = ahocorasick_rs.AhoCorasick(self.patterns)

    def find(self, haystack: str) -> list[tuple[int, int, int]]:
        return self._ac.find_matches_as_indexes(haystack, overlapping=True)


def _common_word(word: str, meant: str) -> bool:
    """Is `word` a dictionary word common enough to have been said on purpose? A rare
    variant (连系 for 联系, 帐单 for 账单) is what ASR writes, not another meaning."""
    if not rjieba.has_word(word):
        return False
    freq = rjieba.suggest_freq(word)
    return freq >= 20 and freq >= 0.2 * rjieba.suggest_freq(meant)


def _crosses_punctuation(keep: list[int] | None, lo: int, hi: int) -> bool:
    return keep is not None and keep[hi - 1] - keep[lo] != hi - 1 - lo


def _back(keep: list[int] | None, lo: int, hi: int) -> tuple[int, int]:
    """A span of the matching view → the span of the normalised text it came from."""
    return (lo, hi) if keep is None else (keep[lo], keep[hi - 1] + 1)


def _merge_approximate(per_text: list[dict[int, list[PhraseHit]]],
                       approx: dict[tuple[int, int, int], PhraseHit], starts: list[int],
                       maps: list[list[int] | None]) -> None:
    """Add homophone/fuzzy hits, best first, unless a better hit of the phrase overlaps."""
    touched: set[tuple[int, int]] = set()
    for (list_id, start, end), hit in sorted(approx.items(), key=lambda kv: -kv[1].confidence):
        index = bisect_right(starts, start) - 1
        lo, hi = _back(maps[index], start - starts[index], end - starts[index])
        hits = per_text[index].setdefault(list_id, [])
        if any(h.phrase == hit.phrase and h.start < hi and lo < h.end for h in hits):
            continue
        hits.append(PhraseHit(hit.phrase, lo, hi, hit.confidence))
        touched.add((index, list_id))
    for index, list_id in touched:
        per_text[index][list_id].sort(key=lambda h: h.start)


class PhraseMatcher:
    """One phrase list on its own: the simple interface for callers outside a standard."""

    def __init__(self, phrases: Iterable[str], *, homophones: bool = False,
                 fuzzy: bool = False) -> None:
        self._lexicon = Lexicon()
        self._id = self._lexicon.register(phrases, homophones=homophones, fuzzy=fuzzy)
        self._lexicon.compile()

    def find(self, text: str) -> list[PhraseHit]:
        """Hits in `text` (normalised here; spans refer to the normalised text)."""
        return self._lexicon.scan([clean(text)])[0].get(self._id, [])
