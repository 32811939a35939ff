"""Find many phrases at once in normalised text: exact, homophone-tolerant and fuzzy.

A `Lexicon` holds every phrase list a standard uses. Each list is registered once (it gets
an id); `scan()` then runs one Aho-Corasick pass per mode over a whole call and returns,
per text, the hits of every list. That keeps the cost per call independent of how many
checkpoints use phrases.

Modes, with the confidence a hit reports:
- exact (1.0): the normalised phrase occurs in the normalised text;
- homophone (0.85): same toneless pinyin (ASR writes 头诉 for 投诉, 推款 for 退款, 烧等 for
  稍等), except where the text holds a real word that only sounds like the phrase
  (稍后 "later" is not 稍候 "wait a moment"). Looser folds (zh≈z, -ng≈-n) were tried and
  dropped: they turned 是 into 四 and 公式 into 公司.
- fuzzy (0.75): one character missing from, or one extra character inside, the phrase
  (phrases of four characters or more).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick_rs

from callqa.text.normalize import clean

EXACT, HOMOPHONE, FUZZY = 1.0, 0.85, 0.75
_SEP = "\x00"
_FUZZY_MIN = 4  # shorter phrases are too easy to hit by accident with an edit


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


# Real words that sound like a phrase word but mean something else: a homophone hit on
# text containing one of them is not a hit (unless the phrase itself contains it).
FALSE_FRIENDS = ("稍后", "以后", "之后", "然后", "最后", "事后", "公式", "其实", "是的")


def to_pinyin_code(text: str) -> str:
    """Same-length string where characters that sound alike are equal."""
    return text.translate(_pinyin_table())


class Lexicon:
    """Phrase lists registered by a standard's operators, matched together."""

    def __init__(self) -> None:
        self._lists: list[tuple[tuple[str, ...], bool, bool]] = []
        self._ids: dict[tuple[tuple[str, ...], bool, bool], int] = {}
        self._compiled = False

    def register(self, phrases: Iterable[str], *, homophones: bool = False,
                 fuzzy: bool = False) -> int:
        """Add a phrase list; returns its id (the same list gets the same id)."""
        normalised = tuple(sorted({p for p in (clean(x) for x in phrases) if p}))
        if not normalised:
            raise ValueError("a phrase list needs at least one non-empty phrase")
        key = (normalised, homophones, fuzzy)
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
                if homophones:
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
        """For each normalised text: list id → hits (best confidence per span)."""
        if not self._compiled:
            self.compile()
        joined = _SEP.join(texts)
        starts = [0]
        for text in texts[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        best: dict[tuple[int, int, int], PhraseHit] = {}

        def keep(list_id: int, phrase: str, start: int, end: int, conf: float) -> None:
            key = (list_id, start, end)
            if key not in best or best[key].confidence < conf:
                best[key] = PhraseHit(phrase, start, end, conf)

        for pattern, start, end in self._exact.find(joined):
            for list_id in self._exact.values[pattern]:
                keep(list_id, self._exact.patterns[pattern], start, end, EXACT)
        if self._sound is not None:
            for pattern, start, end in self._sound.find(to_pinyin_code(joined)):
                said = joined[start:end]
                for list_id, phrase in self._sound.values[pattern]:
                    if said == phrase or not _false_friend(said, phrase):
                        keep(list_id, phrase, start, end, HOMOPHONE)
        if self._dropped is not None:
            for pattern, start, end in self._dropped.find(joined):
                for list_id, phrase in self._dropped.values[pattern]:
                    keep(list_id, phrase, start, end, FUZZY)
        if self._halves is not None:
            self._join_halves(joined, keep)
        return _split_by_text(best, starts, len(texts))

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


def _false_friend(said: str, phrase: str) -> bool:
    return any(word in said and word not in phrase for word in FALSE_FRIENDS)


class _Automaton:
    def __init__(self, values: dict) -> None:
        self.patterns = list(values)
        self.values = [values[p] for p in self.patterns]
        self._ac = ahocorasick_rs.AhoCorasick(self.patterns)

    def find(self, haystack: str) -> list[tuple[int, int, int]]:
        return self._ac.find_matches_as_indexes(haystack, overlapping=True)


def _split_by_text(best: dict, starts: list[int], count: int) -> list[dict[int, list[PhraseHit]]]:
    from bisect import bisect_right

    per_text: list[dict[int, list[PhraseHit]]] = [defaultdict(list) for _ in range(count)]
    # Best hits first, so a fuzzy echo inside an exact hit of the same phrase is dropped.
    for (list_id, start, end), hit in sorted(best.items(), key=lambda kv: -kv[1].confidence):
        index = bisect_right(starts, start) - 1
        offset = starts[index]
        hits = per_text[index][list_id]
        if any(h.phrase == hit.phrase and h.start < end - offset and start - offset < h.end
               for h in hits):
            continue
        hits.append(PhraseHit(hit.phrase, start - offset, end - offset, hit.confidence))
    return [{k: sorted(v, key=lambda h: h.start) for k, v in d.items()} for d in per_text]


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
