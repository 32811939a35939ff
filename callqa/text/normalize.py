"""Normalise Chinese service text for matching, keeping a map back to the original.

Matching runs on the normalised text; evidence must point at what the agent actually said.
`normalize()` therefore returns the normalised string and, for every normalised character,
the offset of the original character it came from.

Steps, in order:
1. traditional → simplified (OpenCC t2s), only when the text has traditional characters;
2. full-width → half-width, ASCII lower-cased, Chinese punctuation → one ASCII form;
3. whitespace dropped (ASR inserts spaces between words);
4. ASR fillers dropped (呃 …) and runs of three or more identical Chinese characters
   collapsed to two (digits and letters are never collapsed: 1000, 13888886666);
5. spoken digit strings (幺零二四, 一三八…) and counted numbers before a unit
   (二十四小时, 两个工作日) → Arabic digits, so 工号 and time frames match either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_PUNCT = {
    "，": ",", "。": ".", "？": "?", "！": "!", "：": ":", "；": ";", "、": ",",
    "“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "【": "[", "】": "]",
    "《": "<", "》": ">", "～": "~", "…": ".", "—": "-", "·": ".", "｜": "|",
}  # fmt: skip
_FILLERS = frozenset("呃")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Units after which a counted Chinese number is a quantity worth reading as digits.
_QUANTITY_UNIT = re.compile(r"(个)?(小时|钟头|分钟|秒|天|日|个工作日|工作日|周|号|点|元|块|次|位)")
_NUMERAL_RUN = re.compile(r"[零〇一幺二两三四五六七八九十百千万]+")


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, for each of its characters, the original offset."""

    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries; the last is len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind normalised [start, end)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=1)
def _t2s():
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC would change: a cheap test before the slower conversion."""
    from opencc_purepy import OpenCC

    cc = OpenCC("t2s")
    chars = set()
    for code in range(0x4E00, 0x9FFF + 1):
        ch = chr(code)
        if cc.convert(ch) != ch:
            chars.add(ch)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Traditional → simplified; a no-op (and fast) for simplified text."""
    if _traditional_chars().isdisjoint(text):
        return text
    out = _t2s().convert(text)
    if len(out) == len(text):
        return out
    # Phrase-level conversion changed the length: fall back to one character at a time so
    # offsets stay one-to-one.
    return "".join(_t2s().convert(ch)[:1] or ch for ch in text)


@lru_cache(maxsize=1)
def _one_to_one() -> dict[int, str]:
    """str.translate table for the replacements that keep length: punctuation, full width,
    upper case."""
    table = {ord(k): v for k, v in _PUNCT.items() if len(v) == 1}
    for code in range(0xFF01, 0xFF5F):
        table.setdefault(code, chr(code - 0xFEE0).lower())
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    return table


# Characters dropped, and stutter (a character three or more times in a row).
_DROP = re.compile(r"[\s\u3000\u200b-\u200f\u2060\ufeff" + "".join(_FILLERS) + "]")
# Stutter: a Chinese character three times or more. Digits, letters and spoken digits
# (一零零零, 幺三八八八八) are never collapsed.
_STUTTER = re.compile(r"([^\x00-\x7f零〇一二两三四五六七八九幺])\1\1+")


def chinese_number(numeral: str) -> int | None:
    """Value of a counted Chinese number (二十四 → 24, 两 → 2); None when not well formed."""
    total, section, digit = 0, 0, None
    for ch in numeral:
        if ch in _DIGITS:
            if digit is not None and ch not in "零〇":
                return None  # two digits in a row: not a counted number
            digit = _DIGITS[ch] if ch not in "零〇" else None
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (digit if digit is not None else 1) * unit
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def _numeral_to_digits(run: str, following: str) -> str | None:
    """Digits for a numeral run, or None to leave it as it is."""
    spoken_digits = all(ch in _DIGITS for ch in run)
    if spoken_digits and len(run) >= 3:
        return "".join(str(_DIGITS[ch]) for ch in run)  # 幺零二四 → 1024
    if not _QUANTITY_UNIT.match(following):
        return None
    if run in ("一", "幺") and following.startswith(("点", "次", "位", "天", "日", "号")):
        return None  # 一点 (a bit), 一次 … are words, not quantities
    value = chinese_number(run)
    return None if value is None else str(value)


@lru_cache(maxsize=16384)
def normalize(text: str) -> Normalized:
    """Normalise `text`; see the module docstring for the steps. Cached: the engine, the
    act and emotion models and PII all read the same turns."""
    mapped = to_simplified(text).translate(_one_to_one())
    if _DROP.search(mapped) or _STUTTER.search(mapped):
        norm, offsets = _drop_and_collapse(mapped)
    else:
        norm, offsets = mapped, list(range(len(mapped)))
    if _NUMERAL_RUN.search(norm):
        norm, offsets = _convert_numerals(norm, offsets)
    return Normalized(norm, (*offsets, len(text)))


def _drop_and_collapse(mapped: str) -> tuple[str, list[int]]:
    """Drop spaces and fillers; keep at most two identical characters in a row (谢谢 stays)."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(mapped):
        stutter = len(chars) >= 2 and chars[-1] == ch == chars[-2] and bool(_STUTTER.match(ch * 3))
        if stutter or _DROP.match(ch):
            continue
        chars.append(ch)
        offsets.append(i)
    return "".join(chars), offsets


def _convert_numerals(norm: str, offsets: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_offsets: list[int] = []
    pos = 0
    for m in _NUMERAL_RUN.finditer(norm):
        digits = _numeral_to_digits(m.group(), norm[m.end() : m.end() + 5])
        if digits is None:
            continue
        out.append(norm[pos : m.start()])
        out_offsets.extend(offsets[pos : m.start()])
        run_offsets = offsets[m.start() : m.end()]
        out.append(digits)
        # Map each digit onto the numeral character it most likely came from.
        out_offsets.extend(run_offsets[min(k, len(run_offsets) - 1)] for k in range(len(digits)))
        pos = m.end()
    out.append(norm[pos:])
    out_offsets.extend(offsets[pos:])
    return "".join(out), out_offsets


def clean(text: str) -> str:
    """Only the normalised string, for callers that need no offsets."""
    return normalize(text).text
