#!/usr/bin/env python3
"""Build callqa's labelled evaluation corpus (corpus/dev.jsonl, corpus/heldout.jsonl, corpus/dev2.jsonl,
corpus/dev3.jsonl).

How it works
------------
* Every generated call belongs to a *scenario family* (one function each, ``fam_*``).
  A family first decides the call's shape (channel, signals, occasions such as a hold,
  an angry customer, a transfer …) and then *plans* which checkpoints the agent will
  violate (``Call.plan``), before any text is written.
* The text is then composed from phrase pools (``pools/<split>/*.yaml``).  Every agent
  turn keeps the pool slot of each of its pieces, so the meaning of the turn is known
  by construction (e.g. slot ``hold_no_consent`` = a hold announced with a reason but
  without asking consent).
* Times, events and audio features are simulated from the text (speech rates, gaps,
  holds, overlaps) and rounded; timing labels are computed from those rounded numbers
  with the thresholds of docs/rulings.md.
* ``label()`` applies docs/rulings.md to the slots, the times and the events, and the
  build verifies that the labels it computes fail exactly the planned checkpoints.
  ``lint()`` scans the final text for trigger words that the slots do not account for
  (e.g. a stray 喂, jargon, an unplanned hold phrase), so that filler text never
  changes a label by accident.
* dev calls draw only from pools/dev, heldout calls only from pools/heldout, dev2 calls only
  from pools/dev2 (fresh wordings written after the rules were tuned on dev, to check that
  they generalise), dev3 calls only from pools/dev3 (a third, independent set of wordings).
  Hand-written calls (handwritten/*.jsonl) are appended unchanged.
* A split's pools may add optional language keys that only change surface text: extra ASR
  homophones (``asr_homophones``), chat line endings (``chat_endings``) and chat prefixes
  (``chat_prefix``). dev and heldout have none, so their output is unchanged by them.
* Every split is seeded by its own name, so adding a split leaves the others byte-identical.

``python corpus/build.py`` rewrites all outputs byte-identically (fixed seeds).
"""

from __future__ import annotations

import itertools
import json
import random
import re
import statistics
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "heldout", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7")
MIN_EACH = 11  # aim: at least this many pass and fail per checkpoint and split

CHECKPOINTS = [
    "open.answer_promptly",
    "open.apologize_for_wait",
    "open.greeting",
    "open.self_identify",
    "open.offer_help",
    "open.dead_air_at_start",
    "talk.address_customer",
    "talk.confirm_understanding",
    "talk.no_interrupt",
    "talk.no_filler",
    "talk.speech_rate",
    "talk.volume",
    "talk.no_jargon",
    "talk.correct_with_apology",
    "talk.praise_response",
    "hold.ask_permission",
    "hold.thank_after",
    "hold.update_interval",
    "hold.max_duration",
    "hold.no_dead_air",
    "transfer.explain_and_consent",
    "transfer.failed_fallback",
    "close.ask_more_help",
    "close.thanks_goodbye",
    "close.customer_hangs_up_first",
    "forbidden.arrogant",
    "forbidden.rebuke",
    "forbidden.command",
    "forbidden.shirk",
    "forbidden.hey",
    "forbidden.private_info",
    "special.silent_call",
    "special.poor_line",
    "special.dialect",
    "special.angry_customer",
    "special.complaint_followup",
    "special.callback_commitment",
    "special.nuisance_call",
    "special.dropped_call_callback",
    "out.identify_and_purpose",
    "out.call_window",
    "out.duration",
    "out.ring_patience",
    "bonus.holiday_greeting",
]
FORBIDDEN = ["arrogant", "rebuke", "command", "shirk", "hey", "private"]

# ---- thresholds of docs/rulings.md (default variables) --------------------------------
RING_LIMIT = 15.0  # ring_seconds x max_rings
DEAD_AIR_START = 3.0
OVERLAP_LIMIT = 1.0
BACKCHANNEL_MAX = 4
RATE_BAND = (180.0, 280.0)
VOLUME_BAND = (-35.0, -6.0)
VOLUME_JUMP = 12.0
HOLD_UPDATE = 15.0
HOLD_MAX = 120.0
DEAD_AIR = 10.0
OUTBOUND_MAX = 300.0
RING_PATIENCE = 30.0
TZ = timezone(timedelta(hours=8))

HOLIDAYS = {
    "元旦": [("2026-01-01", "2026-01-03"), ("2027-01-01", "2027-01-03")],
    "春节": [("2026-02-15", "2026-02-23"), ("2027-02-05", "2027-02-11")],
    "清明": [("2026-04-04", "2026-04-06"), ("2027-04-03", "2027-04-05")],
    "劳动节": [("2026-05-01", "2026-05-05"), ("2027-05-01", "2027-05-05")],
    "端午": [("2026-06-19", "2026-06-21"), ("2027-06-09", "2027-06-11")],
    "中秋": [("2026-09-25", "2026-09-27"), ("2027-09-15", "2027-09-17")],
    "国庆": [("2026-10-01", "2026-10-07"), ("2027-10-01", "2027-10-07")],
}
HOLIDAY_DATES: dict[date, str] = {}
for _name, _ranges in HOLIDAYS.items():
    for _a, _b in _ranges:
        _d = date.fromisoformat(_a)
        while _d <= date.fromisoformat(_b):
            HOLIDAY_DATES[_d] = _name
            _d += timedelta(days=1)

SURNAMES = {  # surname -> how people spell it on the phone
    "王": "三横一竖王",
    "李": "木子李",
    "张": "弓长张",
    "陈": "耳东陈",
    "刘": "文刀刘",
    "杨": "木易杨",
    "黄": "草头黄",
    "吴": "口天吴",
    "徐": "双人徐",
    "胡": "古月胡",
    "林": "双木林",
    "许": "言午许",
    "郑": "郑重的郑",
    "孙": "孙悟空的孙",
    "郭": "城郭的郭",
    "宋": "宋朝的宋",
    "唐": "唐朝的唐",
    "韩": "韩国的韩",
    "冯": "两点水一个马的冯",
    "邓": "邓小平的邓",
}

# ---- pools ------------------------------------------------------------------------------


class Pools:
    """All phrase pools of one split (pools/<split>/*.yaml merged)."""

    def __init__(self, split: str):
        self.split = split
        self.d: dict = {}
        for f in sorted((HERE / "pools" / split).glob("*.yaml")):
            for k, v in yaml.safe_load(f.read_text("utf-8")).items():
                if k in self.d:
                    raise SystemExit(f"duplicate pool slot {k} in {f}")
                self.d[k] = v
        self.issues = self.d.pop("issues")

    def __getitem__(self, k):
        return self.d[k]

    def __contains__(self, k):
        return k in self.d


# ---- text helpers -------------------------------------------------------------------------

CN_DIGIT = "零一二三四五六七八九"
PUNCT = "，。？！、；：,.?!;:~～"


def cn_number(n: int) -> str:
    """1..99 as a Chinese number word (二十四)."""
    if n < 10:
        return CN_DIGIT[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGIT[tens]) + "十" + (CN_DIGIT[ones] if ones else "")


def digits_spoken(s: str, rng: random.Random) -> str:
    yao = rng.random() < 0.7
    return "".join(("幺" if (c == "1" and yao) else CN_DIGIT[int(c)]) for c in s)


HOMOPHONES = [
    ("投诉", "头诉"),
    ("退款", "推款"),
    ("稍等", "烧等"),
    ("工号", "公号"),
    ("查询", "茶询"),
    ("核实", "和实"),
    ("宽带", "宽代"),
    ("账单", "帐单"),
    ("订单", "定单"),
    ("麻烦", "麻凡"),
    ("话费", "化费"),
    ("理赔", "理陪"),
    ("不好意思", "不好意识"),
    ("联系", "连系"),
    ("信用卡", "信用咖"),
]


def asr(text: str, rng: random.Random, speaker: str, extra=None) -> str:
    """Make a clean line look like an ASR transcript of it (``extra``: a split's own homophones)."""
    keep = re.findall(r"\[[^\]]*\]", text)  # noise markers stay as they are
    if keep and re.fullmatch(r"(\s*\[[^\]]*\]\s*|…)+", text):
        return text
    out = text
    for a, b in HOMOPHONES:
        if a in out and rng.random() < 0.45:
            out = out.replace(a, b, 1)
    for a, b in extra or ():
        if a in out and rng.random() < 0.45:
            out = out.replace(a, b, 1)
    out = re.sub(
        r"\d+", lambda m: cn_number(int(m.group())) if len(m.group()) <= 2 else digits_spoken(m.group(), rng), out
    )
    out = re.sub(r"[A-Za-z]+", lambda m: m.group().upper(), out)
    # punctuation disappears, sometimes leaving a space
    out = re.sub(f"[{re.escape(PUNCT)}]+", lambda m: " " if rng.random() < 0.5 else "", out).strip()
    words = out.split(" ")
    if len(words) > 1 and len(out) > 10 and rng.random() < 0.35:  # a hesitation at a pause
        i = rng.randrange(1, len(words))
        words.insert(
            i, rng.choice(["呃", "那个"]) if speaker == "agent" else rng.choice(["呃", "那个", "嗯", "就是说"])
        )
        out = " ".join(words)
    stutter = [i for i, ch in enumerate(out) if ch in "我这那就是您的在"]
    if stutter and rng.random() < 0.18:  # a stutter on a function word (我我 / 这这个)
        i = rng.choice(stutter)
        out = out[:i] + out[i] + out[i:]
    return re.sub(r"\s+", " ", out).strip()


CHAT_ENDINGS = ["哦~", "呢~", "哈~", "~", "的呢", "哦", "呢"]


def chatify(text: str, rng: random.Random, endings=None) -> str:
    """Agent content line in the typical chat register (亲 / 哦 / 呢 / ~)."""
    t = text.rstrip("。.")
    if t and t[-1] not in "？！?!~）)":
        t += rng.choice(endings or CHAT_ENDINGS)
    return t


def cjk_count(text: str) -> int:
    """Characters counted for the speech rate: CJK characters, letters and digits."""
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text))


def fmt(template: str, **kw) -> str:
    try:
        return template.format(**kw)
    except KeyError as e:  # a pool template needs a value the caller did not give
        raise KeyError(f"{template!r} needs {e}") from None


# ---- the call under construction ------------------------------------------------------------


@dataclass
class Turn:
    sp: str  # "agent" | "customer"
    pieces: list  # [(slot, text)], the text is their join
    text: str = ""
    gap: float | None = None  # planned silence before this turn (s)
    overlap: float | None = None  # starts this long before the previous utterance ends
    inside: bool = False  # a backchannel spoken inside the previous utterance
    start: float = 0.0
    end: float = 0.0
    level: float | None = None
    pbx: float | None = None  # a PBX hold of this length starts after this turn
    xfer: dict | None = None  # a transfer event follows this turn
    raw: bool = False  # text is final (no punctuation/ASR processing)
    tags: dict = field(default_factory=dict)
    clean: str = ""  # the text before ASR-style degradation
    dur: float = 0.0

    @property
    def slots(self) -> set:
        return {s for s, _ in self.pieces}

    def has(self, *slots) -> bool:
        return any(s in self.slots for s in slots)

    @property
    def first_slot(self) -> str:
        return self.pieces[0][0] if self.pieces else ""


QUESTION_END = re.compile(r"(吗|呢|好不好|行不行|可以吗|行吗|么|没有|怎么称呼您|什么业务|什么问题|什么需要)$")


class Call:
    """One call being composed: shape, plan (planned fails), turns, timeline."""

    def __init__(self, split, pools, seed, family, channel="phone", direction="inbound"):
        self.split, self.P, self.family = split, pools, family
        self.rng = random.Random(seed)
        self.channel, self.direction = channel, direction
        self.plan: set[str] = set()  # checkpoints this call is written to fail
        self.turns: list[Turn] = []
        self.holds: list[dict] = []
        self.xfers: list[dict] = []
        self.flags: dict = {}
        self.meta: dict = {}
        self.profile = "chat" if channel == "chat" else "full"
        self.asr = False
        self.started_at: datetime | None = None
        self.holiday: str | None = None
        self.agent_id, self.team = "", ""
        self.gender = "m"
        self.sn: str | None = None  # customer's surname when known
        self.phone = ""
        self.events: list[dict] = []
        self.audio: dict | None = None
        self.call_id = ""

    # -- helpers ---------------------------------------------------------------------------
    def v(self, ck: str) -> bool:
        return ck in self.plan

    def pick(self, slot: str, avoid: str | None = None, **kw) -> str:
        items = self.P[slot]
        if avoid:
            items = [x for x in items if not re.search(avoid, x)] or items
        return fmt(self.rng.choice(items), **kw) if kw or "{" in "".join(items) else self.rng.choice(items)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    @property
    def phone_call(self) -> bool:
        return self.channel == "phone"

    @property
    def has_events(self) -> bool:
        return self.profile in ("full", "full_audio", "audio_only", "events_only")

    @property
    def has_times(self) -> bool:
        return self.profile in ("full", "full_audio", "times_only")

    @property
    def has_audio(self) -> bool:
        return self.profile in ("full_audio", "audio_only")

    @property
    def timing(self) -> bool:
        return self.has_times or self.has_audio

    @property
    def title(self) -> str:
        return "先生" if self.gender == "m" else self.flags.get("ftitle", "女士")

    def addr(self) -> tuple:
        """How the agent addresses the customer (a piece)."""
        if self.sn and (self.flags.get("sn_mode") != "asked" or self.flags.get("sn_given")):
            return ("addr_sur", self.sn + self.title)
        return ("addr_gen", self.title)

    def agent(self, *pieces, **kw) -> Turn:
        t = Turn("agent", [p for p in pieces if p], **kw)
        self.turns.append(t)
        return t

    def cust(self, text: str, slot: str = "cust", **kw) -> Turn:
        t = Turn("customer", [(slot, text)], **kw)
        self.turns.append(t)
        return t

    def agent_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.sp == "agent"]


def join_agent(call: Call, t: Turn) -> str:
    """The clean text of an agent turn: pieces joined like an agent would write/say them."""
    parts = [p for _, p in t.pieces if p]
    if call.channel == "chat":
        out = ""
        for i, p in enumerate(parts):
            if i and out[-1] not in "~！？!?）)O":
                out += "，"
            elif i:
                out += " "
            out += p
        return out
    txt = "，".join(p.rstrip("。，") for p in parts)
    if txt and txt[-1] not in "？！?!":
        txt += "？" if QUESTION_END.search(txt) else "。"
    return txt


# ---- planning -----------------------------------------------------------------------------

# probability that an applicable checkpoint is violated (given its occasion exists)
P_FAIL = {
    "open.answer_promptly": 0.16,
    "open.apologize_for_wait": 0.45,
    "open.greeting": 0.07,
    "open.self_identify": 0.12,
    "open.offer_help": 0.1,
    "open.dead_air_at_start": 0.1,
    "talk.address_customer": 0.14,
    "talk.confirm_understanding": 0.18,
    "talk.no_interrupt": 0.1,
    "talk.no_filler": 0.1,
    "talk.speech_rate": 0.1,
    "talk.volume": 0.35,
    "talk.no_jargon": 0.5,
    "talk.correct_with_apology": 0.45,
    "talk.praise_response": 0.3,
    "hold.ask_permission": 0.4,
    "hold.thank_after": 0.3,
    "hold.update_interval": 0.35,
    "hold.max_duration": 0.4,
    "hold.no_dead_air": 0.07,
    "transfer.explain_and_consent": 0.4,
    "transfer.failed_fallback": 0.45,
    "close.ask_more_help": 0.12,
    "close.thanks_goodbye": 0.12,
    "close.customer_hangs_up_first": 0.08,
    "forbidden.arrogant": 0.03,
    "forbidden.rebuke": 0.03,
    "forbidden.command": 0.03,
    "forbidden.shirk": 0.035,
    "forbidden.hey": 0.05,
    "forbidden.private_info": 0.03,
    "special.silent_call": 0.45,
    "special.poor_line": 0.45,
    "special.dialect": 0.45,
    "special.angry_customer": 0.35,
    "special.complaint_followup": 0.45,
    "special.callback_commitment": 0.35,
    "special.nuisance_call": 0.45,
    "out.identify_and_purpose": 0.25,
    "out.call_window": 0.2,
    "bonus.holiday_greeting": 0.45,
}


def decide(call: Call, cands: list[str], force=(), force_pass=(), max_sampled=4):
    """Choose the checkpoints this call violates, before any text is written."""
    sampled = [
        ck
        for ck in CHECKPOINTS
        if ck in cands and ck not in force_pass and ck not in force and call.rng.random() < P_FAIL.get(ck, 0.0)
    ]
    call.rng.shuffle(sampled)
    call.plan |= set(force) | set(sampled[:max_sampled])
    # dependent decisions
    if "open.apologize_for_wait" in call.plan and not call.flags.get("late"):
        call.plan.discard("open.apologize_for_wait")
    if "hold.max_duration" in call.plan:
        call.plan.add("hold.update_interval")


AGENT_CACHE: dict[str, list] = {}


def agents_of(split: str) -> list[tuple[str, str]]:
    """A stable roster of agents per split: (digits, team)."""
    if split not in AGENT_CACHE:
        r = random.Random(f"agents-{split}")
        roster, seen = [], set()
        while len(roster) < 26:
            n = r.choice([3, 4, 4, 4, 5, 6])
            digits = str(r.randrange(10 ** (n - 1), 10**n))
            if digits not in seen:
                seen.add(digits)
                roster.append((digits, r.choice("ABC")))
        AGENT_CACHE[split] = roster
    return AGENT_CACHE[split]


def random_day(rng: random.Random, holiday: bool) -> date:
    if holiday:
        return rng.choice(sorted(HOLIDAY_DATES))
    while True:
        d = date(2026, 1, 1) + timedelta(days=rng.randrange(730))
        if d not in HOLIDAY_DATES:
            return d


def pick_time(rng: random.Random, kind: str) -> tuple[int, int]:
    """Local time of day; kind: inbound | chat | window (outbound ok) | outside (outbound, fails)."""
    if kind == "window":
        lo, hi = rng.choice([(7 * 60 + 33, 12 * 60 + 27), (14 * 60 + 3, 20 * 60 + 57), (14 * 60 + 3, 20 * 60 + 57)])
    elif kind == "outside":
        lo, hi = rng.choice([(6 * 60 + 40, 7 * 60 + 27), (12 * 60 + 33, 13 * 60 + 57), (21 * 60 + 3, 22 * 60 + 20)])
    elif kind == "chat":
        lo, hi = rng.choice([(8 * 60, 23 * 60 + 40), (9 * 60, 22 * 60)])
    else:
        lo, hi = 8 * 60, 21 * 60 + 50
    m = rng.randrange(lo, hi + 1)
    return divmod(m, 60)


def setup(call: Call, want: dict):
    """Agent, team, signals, start time, holiday and the customer's identity."""
    rng = call.rng
    call.agent_id, call.team = rng.choice(agents_of(call.split))
    if call.channel == "phone":
        call.profile = (
            want.get("profile")
            or rng.choices(
                ["full", "full_audio", "audio_only", "events_only", "times_only", "text_only"], [52, 8, 8, 13, 11, 8]
            )[0]
        )
        call.asr = want.get("asr", rng.random() < 0.58)
    has_start = want.get(
        "started_at", call.direction == "outbound" or rng.random() < (0.85 if call.channel == "phone" else 0.7)
    )
    if has_start:
        holiday = want.get("holiday", rng.random() < 0.2)
        day = random_day(rng, holiday)
        if call.direction == "outbound":
            kind = "outside" if call.v("out.call_window") else "window"
        else:
            kind = "chat" if call.channel == "chat" else "inbound"
        h, m = pick_time(rng, kind)
        call.started_at = datetime(day.year, day.month, day.day, h, m, rng.randrange(60), tzinfo=TZ)
        call.holiday = HOLIDAY_DATES.get(day)
    call.gender = rng.choice("mf")
    call.flags["ftitle"] = "小姐" if rng.random() < 0.12 else "女士"
    call.phone = rng.choice(["13", "15", "18", "17"]) + str(rng.randrange(10**8, 10**9))
    if call.phone_call and call.asr:
        call.flags["id_text"] = digits_spoken(call.agent_id, rng)
    else:
        call.flags["id_text"] = call.agent_id


def greet_word(call: Call) -> str:
    g = call.P["greet"]
    if call.started_at and call.rng.random() < 0.35:
        h = call.started_at.hour
        key = "morning" if h < 11 else "noon" if h < 13 else "afternoon" if h < 18 else "evening"
        if g.get(key):
            return call.rng.choice(g[key])
    return call.rng.choice(g["generic"])


def wish(call: Call, closing=False) -> str:
    w = call.rng.choice(
        [x for x in call.P["holiday"][call.holiday] if not closing or x.endswith(("快乐", "安康"))]
        or call.P["holiday"][call.holiday]
    )
    return ("祝您" + w) if closing else w


# ---- episodes: small pieces of dialogue shared by the families ------------------------------


def ep_open_phone(call: Call):
    """The agent answers an inbound phone call."""
    rng, P = call.rng, call.P
    pieces = []
    hey_open = call.v("forbidden.hey") and call.flags.get("hey_at") == "open"
    if hey_open:
        if call.v("open.greeting"):
            pieces.append(("hey_open", "喂"))
        else:
            pieces.append(("hey_open", call.pick("hey_open")))
    if not call.v("open.greeting") and not (hey_open and re.search("好", pieces[0][1])):
        pieces.append(("greet", greet_word(call)))
    if call.holiday and not call.v("bonus.holiday_greeting") and call.flags.get("wish_at") == "open":
        pieces.append(("holiday", wish(call)))
    if call.flags.get("late") and not call.v("open.apologize_for_wait"):
        if call.chance(0.7) or call.flags.get("wait_in_first"):
            pieces.append(("wait_apology", call.pick("wait_apology")))
        else:
            call.flags["pending_wait"] = True
    org = rng.choice(P["org"])
    ident = call.flags["id_text"]
    slot = rng.choice(["frame_org", "frame_id", "frame_none"]) if call.v("open.self_identify") else "frame_full"
    pieces.append((slot, call.pick(slot, org=org, id=ident)))
    offer_second = False
    if call.v("open.offer_help"):
        if slot != "frame_none" and call.chance(0.5):
            pieces.append(("serve_only", call.pick("serve_only")))
    elif call.chance(0.8) or call.flags.get("no_offer_second"):
        pieces.append(("offer", call.pick("offer")))
    else:
        offer_second = True
    call.agent(*pieces)
    if offer_second:
        call.cust(call.pick("cust_hello"))
        agent_with_pending(call, ("offer_second", call.pick("offer_second")))
    call.flags["hello_done"] = offer_second


def agent_with_pending(call: Call, *pieces, **kw) -> Turn:
    """An agent turn; a postponed apology for the long ring goes first."""
    if call.flags.pop("pending_wait", False):
        pieces = (("wait_apology", call.pick("wait_apology")), *tuple(pieces))
    return call.agent(*pieces, **kw)


def ep_open_chat(call: Call):
    rng = call.rng
    if call.chance(0.65):
        call.cust(call.pick("chat_cust_start"))
    g_ok, o_ok = not call.v("open.greeting"), not call.v("open.offer_help")
    pre = []
    if call.holiday and not call.v("bonus.holiday_greeting") and call.flags.get("wish_at") == "open":
        pre = [("holiday", "亲，" + wish(call) + "~")]
    if g_ok and o_ok:
        if call.chance(0.7):
            call.agent(*pre, ("chat_open_full", call.pick("chat_open_full")))
        else:
            call.agent(*pre, ("chat_open_greet", call.pick("chat_open_greet")))
            call.agent(("chat_offer_second", call.pick("chat_offer_second")))
    elif g_ok:
        call.agent(*pre, ("chat_open_greet", call.pick("chat_open_greet")))
    elif o_ok:
        call.agent(("chat_open_offer", call.pick("chat_open_offer")))
    else:
        call.agent(("chat_open_none", call.pick("chat_open_none")))
    _ = rng


def ep_problem(call: Call, issue: dict, angry=False, complaint=False, text: str | None = None):
    """The customer states the problem (neutral or angry, maybe with a complaint)."""
    P = call.P
    pieces = []
    if call.phone_call and not call.flags.get("hello_done") and call.chance(0.35):
        pieces.append(("cust", call.pick("cust_hello").rstrip("？?")))
    if call.flags.get("sn_mode") == "volunteer":
        pieces.append(
            ("surname_give", fmt(call.rng.choice(P["surname_volunteer"]), sn=call.sn, sn_desc=SURNAMES[call.sn]))
        )
    if text:
        pieces.append(("problem", text))
    elif angry:
        if issue.get("angry") and call.rng.random() < 0.6:
            pieces.append(("angry", call.rng.choice(issue["angry"])))
        else:  # a general outburst, then what it is about
            pieces.append(("angry", call.pick("angry_generic")))
            pieces.append(("problem", call.rng.choice(issue["problem"])))
    else:
        pieces.append(("problem", call.rng.choice(issue["problem"])))
    if complaint:
        pieces.append(("complaint", call.pick("complaint")))
    if call.channel == "chat" and len(pieces) == 1 and call.chance(0.35):
        call.cust(call.pick("chat_cust_filler"))
    t = Turn("customer", pieces)
    call.turns.append(t)
    call.flags["problem"] = True
    return t


def ep_info(call: Call, issue: dict, restate_now: bool, angry_before: bool):
    """Agent reacts to the problem (empathy, restatement, asks for details); customer answers."""
    P = call.P
    pieces = []
    if angry_before:
        pieces += empathy_or_not(call)
    a = maybe_addr(call, 0.4)
    if a:
        pieces.append(a)
    if restate_now and not call.v("talk.confirm_understanding"):
        pieces.append(
            (
                "restate",
                call.pick(
                    "restate",
                    summary=call.rng.choice(issue["summary"]),
                    avoid="理解" if call.flags.get("angry_fail_window") else None,
                ),
            )
        )
        call.flags["restated"] = True
    if call.flags.get("sn_mode") == "asked":
        pieces.append(("ask_surname", call.pick("ask_surname")))
        agent_with_pending(call, *pieces)
        call.cust(fmt(call.rng.choice(P["surname_give"]), sn=call.sn, sn_desc=SURNAMES[call.sn]), "surname_give")
        call.flags["sn_given"] = True
        pieces = []
        if not call.v("talk.address_customer"):
            pieces.append(("addr_sur", call.sn + call.title))
            call.flags["addressed"] = True
    pieces.append(("ask", call.rng.choice(issue["ask"])))
    agent_with_pending(call, *pieces)
    info = fmt(call.rng.choice(issue["info"]), phone=call.phone)
    if call.chance(0.12):  # a mild grumble is not an angry customer
        call.turns.append(Turn("customer", [("mild", call.pick("mild_info")), ("info", info)]))
    else:
        call.cust(info, "info")
    if call.phone_call and not call.flags.get("complaint_call") and call.chance(0.12):
        call.agent(("readback", call.pick("readback", phone=call.phone)))
        call.cust(call.pick("cust_yes"), "cust_yes")
    call.flags["angry_fail_window"] = False


def empathy_or_not(call: Call) -> list:
    """Pieces for the agent's reply right after an angry customer turn."""
    if call.v("special.angry_customer"):
        call.flags["angry_fail_window"] = True
        r = call.rng.random()
        if r < 0.3:
            return [("argue", call.pick("argue"))]
        if r < 0.6:
            return [("reassure", call.pick("reassure"))]
        return []
    return [("empathy", call.pick("empathy"))]


def ep_restate_late(call: Call, issue: dict):
    """A restatement a little later in the call (when not done right away)."""
    if call.v("talk.confirm_understanding") or call.flags.get("restated"):
        return None
    call.flags["restated"] = True
    return ("restate", call.pick("restate", summary=call.rng.choice(issue["summary"])))


def hold_shape(call: Call, kind: str) -> dict:
    """Length/updates of a hold, chosen from the plan (margins keep labels unambiguous)."""
    rng = call.rng
    upd_fail, max_fail = call.v("hold.update_interval"), call.v("hold.max_duration")
    if max_fail:
        return {"stretches": [rng.uniform(128, 210)], "long": True}
    if upd_fail:
        # a long PBX hold is resumed with an apology; when the wrong detail comes right after it
        # and is corrected without an apology in the next turn, that apology would sit in the
        # correction's previous turn: keep the hold short then (no split's output depended on
        # this shape, which could never be built)
        bare_fix_next = (
            call.v("talk.correct_with_apology")
            and call.flags.get("correction_pending")
            and not call.v("hold.thank_after")
        )
        if kind == "pbx" and rng.random() < 0.5 and not bare_fix_next:
            return {"stretches": [rng.uniform(126, 190)], "long": True}
        return {"stretches": [rng.uniform(19, 95)], "long": False}
    if call.flags.get("long_hold"):
        return {"stretches": [rng.uniform(8, 10.5) for _ in range(rng.randint(5, 6))], "long": False}
    if kind == "spoken" and call.has_times and rng.random() < 0.35:
        n = rng.randint(2, 5)
        return {"stretches": [rng.uniform(6, 11) for _ in range(n)], "long": False}
    return {"stretches": [rng.uniform(3.5, 10.5)], "long": False}


def ep_hold(call: Call, issue: dict, kind: str = "spoken", result: str | None = None):
    """A lookup: announce (per plan), wait (times per plan), resume (per plan) with the result."""
    P, rng = call.P, call.rng
    subject = rng.choice(issue["subject"])
    chat = call.channel == "chat"
    bad_ask = call.v("hold.ask_permission")
    if bad_ask:
        options = ["hold_no_consent", "hold_no_reason", "hold_bare"] + (["pbx_unannounced"] if kind == "pbx" else [])
        variant = rng.choice(options)
    else:
        variant = "hold_ok"
    if chat:
        variant = {"hold_ok": "chat_hold_ok", "hold_no_consent": "chat_hold_no_consent"}.get(variant, variant)
    shape = hold_shape(call, kind)
    same_turn = chat and variant == "chat_hold_no_consent" and call.v("hold.thank_after") and rng.random() < 0.5
    pre = [a for a in [maybe_addr(call, 0.2)] if a]
    if variant == "pbx_unannounced":
        ann = call.agent(*pre, ("pbx_pre_neutral", call.pick("pbx_pre_neutral")))
        ann.tags["hold_announce"] = None
    else:
        ann = call.agent(*pre, (variant, call.pick(variant, subject=subject)))
        ann.tags["hold_announce"] = variant
    hold = {
        "kind": kind,
        "announce": ann if variant != "pbx_unannounced" else None,
        "variant": variant,
        "shape": shape,
        "updates": [],
        "resume": None,
        "after": ann,
    }
    # resume pieces
    if result is not None:
        result_line = result
    else:
        result_line = rng.choice(issue["wrong"] if call.flags.get("correction_pending") else issue["result"])
        if call.flags.get("correction_pending"):
            call.flags["wrong_said"] = True
    if shape["long"] and not call.v("hold.max_duration"):
        if call.v("hold.thank_after"):
            rp = [("resume_callback", call.pick("resume_callback", when=when(call)))]
            call.flags["promised"] = True
            result_line = None
        else:
            rp = [("resume_apology", call.pick("resume_apology"))]
    elif call.v("hold.thank_after"):
        rp = [("resume_bare", call.pick("resume_bare"))] if rng.random() < 0.5 else []
        a = maybe_addr(call, 0.4)
        if a:
            rp.insert(0, a)
    else:
        slot = "chat_resume_thanks" if chat else "resume_thanks"
        avoid = (
            "久等|抱歉|对不起|不好意思"
            if (call.v("hold.max_duration") or call.v("talk.correct_with_apology"))
            else None
        )
        rp = [(slot, call.pick(slot, avoid=avoid))]
    if result_line:
        rp.append(("result", result_line))
    if same_turn:
        ann.pieces += rp
        hold["resume"] = ann
        call.holds.append(hold)
        return hold
    consent = None
    if variant != "pbx_unannounced" and rng.random() < 0.8:
        if rng.random() < 0.1:
            consent = call.cust(call.pick("mild_wait"), "mild", gap=rng.uniform(0.4, 1.0))
        else:
            consent = call.cust(call.pick("cust_hold_ok"), "cust_hold_ok", gap=rng.uniform(0.4, 1.0))
    last = consent or ann
    hold["after"] = last
    stretches = shape["stretches"]
    if kind == "pbx":
        last.pbx = stretches[0]
        res = call.agent(*rp, gap=rng.uniform(0.5, 1.0))
    else:
        first_gap = stretches[0] - (0 if consent is None else 1.6)
        prev_gap = max(first_gap, 2.0)
        for k, s in enumerate(stretches[1:]):
            line = fmt(P["hold_update"][k % len(P["hold_update"])], subject=subject)
            up = call.agent(("hold_update", line), gap=prev_gap)
            hold["updates"].append(up)
            prev_gap = s
        res = call.agent(*rp, gap=prev_gap)
    hold["resume"] = res
    call.holds.append(hold)
    return hold


def when(call: Call) -> str:
    """A time frame for a promise to get back: concrete unless the plan says otherwise."""
    if call.v("special.callback_commitment"):
        return call.pick("when_untimed")
    return call.pick("when_timed")


def ep_forbidden(call: Call, fam: str) -> tuple:
    call.flags.setdefault("forb_done", set()).add(fam)
    return (fam, call.pick(fam))


def forb_pending(call: Call) -> list[str]:
    done = call.flags.get("forb_done", set())
    return [
        f
        for f in FORBIDDEN
        if call.v("forbidden." + ("private_info" if f == "private" else f))
        and f not in done
        and not (f == "hey" and call.flags.get("hey_at") == "open")
    ]


def sprinkle_forbidden(call: Call):
    """Planned forbidden phrases, each in a plausible context (not inside an angry window)."""
    P = call.P
    for fam in forb_pending(call):
        if fam == "hey":
            call.agent(ep_forbidden(call, "hey_mid"), gap=call.rng.uniform(1.5, 3.0))
            call.flags.setdefault("forb_done", set()).add("hey")
            call.cust(call.pick("cust_still_here"))
            continue
        if fam == "private":
            call.cust(call.pick("ask_id"), "ask_id")
            call.agent(ep_forbidden(call, fam))
        else:
            trigger, line = call.rng.choice(P[fam])
            call.flags.setdefault("forb_done", set()).add(fam)
            call.cust(trigger, "forb_trigger")
            call.agent((fam, line))
        call.cust(call.pick("cust_ok"))


def ep_near_misses(call: Call):
    """Allowed things that look like violations: the 工号 on request, reading back the number."""
    if not call.v("forbidden.private_info") and call.chance(0.08):
        call.cust(call.pick("ask_id"), "ask_id")
        call.agent(("id_share", call.pick("id_share", id=call.flags["id_text"])))
        call.cust(call.pick("cust_ok"))


def ep_correction(call: Call, issue: dict):
    """The agent corrects the wrong detail given earlier (with or without an apology)."""
    slot = "correction_bare" if call.v("talk.correct_with_apology") else "correction_apology"
    return (slot, call.pick(slot, fix=call.rng.choice(issue["fix"])))


def ep_jargon(call: Call, issue: dict):
    j = issue["jargon"]
    if call.v("talk.no_jargon"):
        return ("jargon_bare", j["bare"])
    return ("jargon_explained", j["explained"])


def ep_close(call: Call, praise: str | None = None):
    """Closing: (praise and its acknowledgement), anything else?, thanks + farewell, hang-up."""
    _P, rng = call.P, call.rng
    chat = call.channel == "chat"
    ask_ok = not call.v("close.ask_more_help")
    pr_fail = call.v("talk.praise_response")
    ask_slot = "chat_ask_more" if chat else "ask_more"
    ack_slot = "chat_praise_ack" if chat else "praise_ack"
    if praise == "end" and not ask_ok:
        praise = "mid"
    closing_pieces = []
    if praise == "mid":
        call.cust(call.pick("praise"), "praise")
        if ask_ok:
            pieces = [] if pr_fail else [(ack_slot, call.pick(ack_slot))]
            a = ensure_addr(call)
            if a:
                pieces.append(a)
            pieces.append((ask_slot, call.pick(ask_slot)))
            call.agent(*pieces)
            call.cust(call.pick("cust_no_more"))
        else:
            if not pr_fail:
                closing_pieces.append((ack_slot, call.pick(ack_slot)))
    elif ask_ok:
        a = ensure_addr(call)
        call.agent(*[x for x in [a] if x], (ask_slot, call.pick(ask_slot)))
        if praise == "end":
            call.cust(call.pick("praise_bye"), "praise")
            if not pr_fail:
                closing_pieces.append((ack_slot, call.pick(ack_slot)))
        else:
            call.cust(call.pick("cust_no_more"))
    else:
        call.cust(call.pick("cust_ok" if not chat else "chat_cust_bye"))
    a = ensure_addr(call)
    if (a and not closing_pieces) or a:
        closing_pieces.append(a)
    variant = call.flags.get("close_variant", "full")
    if call.v("close.thanks_goodbye") and variant == "full":
        variant = rng.choice(["no_thanks", "no_bye", "none"])
    slot = {"full": "close_full", "no_thanks": "close_no_thanks", "no_bye": "close_no_bye", "none": "close_none"}[
        variant
    ]
    if chat:
        slot = {
            "full": "chat_close_full",
            "no_thanks": "chat_close_no_thanks",
            "no_bye": "chat_close_no_bye",
            "none": "chat_close_no_bye",
        }[variant]
        if variant == "none":
            slot = "chat_close_none"
    if call.holiday and not call.v("bonus.holiday_greeting") and call.flags.get("wish_at") == "close":
        closing_pieces.append(("holiday_close", wish(call, closing=True)))
    if slot == "chat_close_none":
        closing_pieces.append((slot, "好的亲"))
    else:
        closing_pieces.append((slot, call.pick(slot)))
    call.agent(*closing_pieces)
    if rng.random() < 0.6:
        if chat:
            call.cust(call.pick("chat_cust_bye"), "cust_bye")
        else:
            # "好的谢谢，再见" after the agent's own thanks + farewell ends the call: not praise
            thanks_ok = variant == "full" and rng.random() < 0.4
            call.cust(call.pick("cust_bye_thanks" if thanks_ok else "cust_bye"), "cust_bye")
    call.flags["hangup_by"] = "agent" if call.v("close.customer_hangs_up_first") else "customer"


# ---- families -----------------------------------------------------------------------------


def prepare(call: Call, closing=True):
    """Decisions that depend on the plan: where the holiday wish, 喂, the surname go."""
    rng = call.rng
    cv = "full"
    if call.v("close.thanks_goodbye"):
        cv = rng.choice(["no_thanks", "no_bye", "none"])
    call.flags["close_variant"] = cv
    if call.holiday and not call.v("bonus.holiday_greeting"):
        can_open = not call.v("open.greeting")
        can_close = closing and cv in ("full", "no_thanks")
        if can_open and can_close:
            call.flags["wish_at"] = rng.choice(["open", "close"])
        elif can_open:
            call.flags["wish_at"] = "open"
        elif can_close:
            call.flags["wish_at"] = "close"
        else:
            call.plan.add("bonus.holiday_greeting")
    if call.v("forbidden.hey"):
        call.flags["hey_at"] = "open" if (call.phone_call and rng.random() < 0.4) else "mid"
    mode = rng.choices(["asked", "volunteer", "system", "none"], [25, 15, 12, 48])[0]
    if call.channel == "chat":
        mode = "none"
    if mode == "system" and call.v("talk.address_customer"):
        mode = "none"
    call.flags["sn_mode"] = mode
    if mode != "none":
        call.sn = rng.choice(sorted(SURNAMES))
    if call.v("talk.address_customer") and call.sn and rng.random() < 0.5:
        call.flags["generic_only"] = True


def no_surname(call: Call):
    """Calls in which the customer's surname never comes up."""
    call.flags["sn_mode"] = "none"
    call.flags["generic_only"] = False
    call.sn = None


def addr_piece(call: Call):
    if call.flags.get("generic_only"):
        return ("addr_gen", call.title)
    return call.addr()


def maybe_addr(call: Call, p: float = 0.35):
    """An address piece (王先生 / 女士), per plan (never, or generic only, when it is to fail)."""
    if call.v("talk.address_customer") and not call.flags.get("generic_only"):
        return None
    if not call.chance(p):
        return None
    if not call.v("talk.address_customer"):
        call.flags["addressed"] = True
    return addr_piece(call)


def ensure_addr(call: Call):
    """Make sure the customer has been addressed once (unless planned to fail)."""
    if call.v("talk.address_customer") or call.flags.get("addressed"):
        return None
    if call.channel == "chat" and call.rng.random() < 0.7:
        return None  # chats are not judged on address; most chat agents write 亲
    call.flags["addressed"] = True
    return addr_piece(call)


def body_turn(call: Call, *pieces, **kw) -> Turn:
    """An ordinary content turn of the agent; planned fillers / dead air / 喂 may land here."""
    pieces = [p for p in pieces if p]
    if call.flags.get("addr_early"):
        a = ensure_addr(call)
        if a:
            pieces.insert(0, a)
    if (
        call.phone_call
        and call.v("talk.no_filler")
        and not call.flags.get("filler_done")
        and not call.flags.get("angry_fail_window")
    ):
        pieces.insert(0, ("filler", call.pick("filler")))
        call.flags["filler_done"] = True
    if call.timing and call.v("hold.no_dead_air") and not call.flags.get("dead_air_done") and "gap" not in kw:
        kw["gap"] = call.rng.uniform(11.5, 17.5)
        call.flags["dead_air_done"] = True
    return call.agent(*pieces, **kw)


CONTENT_SLOTS = {"result", "answer", "answer2", "ask", "promise", "notice", "survey_end", "own_a"}


def service_call(call: Call, issue: dict, occ: dict):
    """The common inbound service conversation; occasions decide the optional episodes."""
    rng, P = call.rng, call.P
    chat = call.channel == "chat"
    (ep_open_chat if chat else ep_open_phone)(call)
    angry = occ.get("angry", False)
    # special openings of the customer: a dialect, or a bad line that clears up
    if occ.get("dialect"):
        ep_dialect(call, issue)
        angry = False
    elif occ.get("poor") == "resolved":
        ep_poor_resolved(call, issue)
        angry = False
    else:
        ep_problem(call, issue, angry=angry, complaint=occ.get("complaint", False))
    restate_now = rng.random() < 0.7
    if occ.get("correction"):
        call.flags["correction_pending"] = True
    ep_info(call, issue, restate_now, angry_before=angry)
    if occ.get("complaint"):
        ep_complaint(call, issue)
    if occ.get("transfer"):
        done = ep_transfer(call, issue, occ["transfer"])
        if done:
            return
    # the answer, with or without a lookup
    late_restate = ep_restate_late(call, issue)
    if occ.get("hold"):
        if late_restate:
            body_turn(call, late_restate)
            call.cust(call.pick("cust_yes"), "cust_yes")
        if occ.get("req_thanks"):  # "please look it up, thanks": a request, not praise
            call.cust(call.pick("req_thanks"), "req_thanks")
        ep_hold(call, issue, occ["hold"])
    else:
        result = rng.choice(issue["wrong"] if occ.get("correction") else issue["result"])
        if occ.get("correction"):
            call.flags["wrong_said"] = True
        body_turn(call, late_restate, maybe_addr(call, 0.3), ("result", result))
    if occ.get("angry2") and not occ.get("correction"):
        call.cust(rng.choice(P["angry_generic"]), "angry")
        call.agent(*(empathy_or_not(call) or [("followup_line", call.pick("followup_line"))]))
        call.flags["angry_fail_window"] = False
    call.cust(call.pick("mild_accept" if rng.random() < 0.1 else "cust_ok"), "cust")
    pieces = []
    if occ.get("correction"):
        pieces.append(ep_correction(call, issue))
        call.flags["correction_pending"] = False
    if occ.get("hangup_mid") or occ.get("drop"):
        pieces.append(ensure_addr(call))
    pieces.append(("answer", rng.choice(issue["answer"])))
    if occ.get("jargon"):
        pieces.append(ep_jargon(call, issue))
    body_turn(call, *pieces)
    call.cust(rng.choice(issue["cust_q"]), "problem2")
    if occ.get("hold2") and occ.get("hold"):
        ep_hold(call, {**issue, "subject": P["hold2_subject"]}, "spoken", result=rng.choice(issue["answer2"]))
    else:
        body_turn(call, ("answer2", rng.choice(issue["answer2"])))
    if occ.get("promise"):
        call.cust(call.pick("cust_follow_ok"))
        body_turn(call, ("promise", fmt(rng.choice(issue["promise"]), when=when(call))))
        call.flags["promised"] = True
    ep_near_misses(call)
    if call.v("special.callback_commitment") and not call.flags.get("promised"):
        body_turn(call, ("promise", fmt(rng.choice(issue["promise"]), when=when(call))))
        call.flags["promised"] = True
        call.cust(call.pick("cust_follow_ok"))
    if forb_pending(call):
        sprinkle_forbidden(call)
    if occ.get("hangup_mid"):
        call.cust(call.pick("hangup_mid"), "hangup_mid")
        call.flags["hangup_by"] = "customer"
        call.flags["hangup_mid"] = True
        return
    if occ.get("drop"):
        call.flags["dropped"] = True
        return
    ep_close(call, praise=occ.get("praise"))


def ep_dialect(call: Call, issue: dict):
    """The customer speaks a dialect the agent cannot follow."""
    call.cust(call.pick("dialect_line"), "dialect")
    a = maybe_addr(call, 0.3)
    if call.v("special.dialect"):
        call.agent(*[x for x in [a] if x], ("dia_fail", call.pick("dia_fail")))
        call.cust(call.pick("cust_switch", problem=call.rng.choice(issue["problem"])), "problem")
    elif call.chance(0.3):
        call.agent(*[x for x in [a] if x], ("dia_family", call.pick("dia_family")))
        call.cust(call.pick("cust_family"), "cust")
        call.cust(call.pick("cust_family_intro", problem=call.rng.choice(issue["problem"])), "problem")
    else:
        call.agent(*[x for x in [a] if x], ("dia_polite", call.pick("dia_polite")))
        call.cust(call.pick("cust_mandarin", problem=call.rng.choice(issue["problem"])), "problem")
    call.flags["problem"] = True
    call.flags["dialect"] = True


def poor_first_response(call: Call) -> tuple:
    if call.v("special.poor_line"):
        kind = call.rng.choice(["poor_redial", "poor_order", "poor_nothing"])
        if kind == "poor_order":
            call.plan.add("forbidden.command")
        return (kind, call.pick(kind))
    return ("poor_polite", call.pick("poor_polite"))


def ep_poor_resolved(call: Call, issue: dict):
    call.cust(call.pick("poor_garbled"), "noise_speech")
    first = poor_first_response(call)
    a = maybe_addr(call, 0.3) if first[0] == "poor_polite" else None
    call.agent(*[x for x in [a, first] if x])
    call.cust(call.pick("cust_repeat", problem=call.rng.choice(issue["problem"])), "problem")
    call.flags["problem"] = True
    call.flags["poor"] = True


def ep_complaint(call: Call, issue: dict):
    """A complaint that is recorded and passed on; contact details + a time (per plan)."""
    rng, _P = call.rng, call.P
    call.flags["complaint"] = True
    missing = None
    if call.v("special.complaint_followup"):
        missing = rng.choice(["contact", "time", "time"] if not call.v("special.callback_commitment") else ["time"])
    call.agent(("complaint_record", call.pick("complaint_record")))
    call.cust(call.pick("cust_ok"))
    if missing != "contact":
        avoid = "来电" if call.channel == "chat" else None
        if missing == "time" and not call.v("special.callback_commitment"):
            avoid = "联系到您|联系您|来电"  # no promise follows: the question must not sound like one
        call.agent(("contact_ask", call.pick("contact_ask", avoid=avoid)))
        ct = call.pick("cust_contact", phone=call.phone)
        call.cust(ct, "cust_contact")
        if call.phone in ct and rng.random() < 0.6:
            call.agent(("contact_readback", call.pick("contact_readback", phone=call.phone)))
            call.cust(call.pick("cust_ok"))
    if missing == "time":
        if call.v("special.callback_commitment"):
            call.agent(("complaint_untimed", call.pick("complaint_untimed", when=call.pick("when_untimed"))))
            call.flags["promised"] = True
        else:
            call.agent(("complaint_no_promise", call.pick("complaint_no_promise")))
    else:
        call.agent(("complaint_timed", call.pick("complaint_timed", when=call.pick("when_timed"))))
        call.flags["promised"] = True
    call.cust(call.pick("cust_follow_ok"))


def ep_transfer(call: Call, issue: dict, outcome: str) -> bool:
    """A transfer; returns True when the call leaves the agent (successful transfer)."""
    rng = call.rng
    chat = call.channel == "chat"
    target = issue["target"]
    bad = call.v("transfer.explain_and_consent")
    variant = "xfer_ok"
    if bad:
        variant = rng.choice(
            ["xfer_no_consent", "xfer_bare"] + ([] if chat or not call.has_events else ["xfer_silent"])
        )
    if chat:
        variant = {"xfer_ok": "chat_xfer_ok", "xfer_no_consent": "chat_xfer_bare", "xfer_bare": "chat_xfer_bare"}[
            variant
        ]
    why = call.pick("xfer_why")
    a = ensure_addr(call) if outcome == "ok" else None
    rs = ep_restate_late(call, issue) if outcome == "ok" else None
    if rs:  # the call leaves the agent: restate the request before transferring
        call.agent(*[x for x in [a, rs] if x])
        call.cust(call.pick("cust_yes"), "cust_yes")
        a = None
    if variant == "xfer_silent":
        ann = call.agent(*[x for x in [a] if x], ("pbx_pre_neutral", call.pick("pbx_pre_neutral")))
        last = ann
    else:
        ann = call.agent(*[x for x in [a] if x], (variant, call.pick(variant, target=target, why=why)))
        last = ann
        if variant in ("xfer_ok", "chat_xfer_ok") or rng.random() < 0.5:
            last = call.cust(call.pick("cust_consent"), "cust_consent")
    ok = outcome == "ok"
    rec = {
        "announce": None if variant == "xfer_silent" else ann,
        "variant": variant,
        "ok": ok,
        "after": last,
        "target": target,
    }
    call.xfers.append(rec)
    if call.phone_call:
        last.xfer = {"target": target, "ok": ok}
    if ok:
        call.flags["xfer_ok"] = True
        call.flags["hangup_by"] = "system"
        return True
    # failed: the agent comes back
    fb = "call"
    if call.v("transfer.failed_fallback"):
        fb = "none"
    elif rng.random() < 0.5:
        fb = "how"
    pieces = [
        (
            ("chat_xfer_fail" if chat else "xfer_fail_msg"),
            call.pick("chat_xfer_fail" if chat else "xfer_fail_msg", target=target),
        )
    ]
    if fb == "call":
        pieces.append(("xfer_fallback_call", call.pick("xfer_fallback_call", target=target, when=when(call))))
        call.flags["promised"] = True
    elif fb == "how":
        pieces.append(("xfer_fallback_how", call.pick("xfer_fallback_how", target=target, key=rng.choice("2345"))))
    ret = call.agent(*pieces, gap=rng.uniform(12, 32) if call.phone_call else None)
    rec["return"] = ret
    call.cust(call.pick("cust_follow_ok"))
    return False


# each family: shape + plan + text ------------------------------------------------------------


def pick_issue(call: Call, want: dict, chat_only=False, domains=None) -> dict:
    pool = [i for i in call.P.issues if (not chat_only or i["chat"]) and (not domains or i["domain"] in domains)]
    if want.get("issue"):
        pool = [i for i in call.P.issues if i["key"] == want["issue"]] or pool
    return call.rng.choice(pool)


def inbound_candidates(call: Call, occ: dict) -> list[str]:
    """Checkpoints an ordinary inbound conversation of this shape can violate."""
    c = [
        "open.greeting",
        "open.offer_help",
        "talk.confirm_understanding",
        "close.ask_more_help",
        "close.thanks_goodbye",
        "forbidden.arrogant",
        "forbidden.rebuke",
        "forbidden.command",
        "forbidden.shirk",
        "forbidden.private_info",
    ]
    if call.phone_call:
        c += ["open.self_identify", "talk.address_customer", "talk.no_filler", "forbidden.hey"]
        if call.has_events:
            c += ["open.answer_promptly", "close.customer_hangs_up_first"]
            if call.timing:
                c.append("open.dead_air_at_start")
        if call.timing:
            c += ["talk.no_interrupt", "talk.speech_rate", "hold.no_dead_air"]
        if call.has_audio:
            c.append("talk.volume")
    if occ.get("jargon"):
        c.append("talk.no_jargon")
    if occ.get("correction"):
        c.append("talk.correct_with_apology")
    if occ.get("praise"):
        c.append("talk.praise_response")
    if occ.get("hold"):
        c += ["hold.ask_permission", "hold.thank_after"]
        if call.phone_call and call.has_times:
            c += ["hold.update_interval", "hold.max_duration"]
    if occ.get("transfer"):
        c.append("transfer.explain_and_consent")
        if occ["transfer"] == "fail":
            c.append("transfer.failed_fallback")
    if occ.get("angry"):
        c.append("special.angry_customer")
    if occ.get("complaint"):
        c.append("special.complaint_followup")
    if occ.get("promise") or occ.get("transfer") == "fail" or occ.get("complaint"):
        c.append("special.callback_commitment")
    if occ.get("dialect"):
        c.append("special.dialect")
    if occ.get("poor"):
        c.append("special.poor_line")
    if call.holiday:
        c.append("bonus.holiday_greeting")
    if occ.get("transfer") == "ok" or occ.get("hangup_mid") or occ.get("drop"):
        c = [x for x in c if not x.startswith("close.") and x != "talk.praise_response"]
        occ["praise"] = None
    if occ.get("transfer") == "ok":  # the call leaves the agent early: nothing after the transfer
        c = [
            x
            for x in c
            if not x.startswith("forbidden.")
            and x
            not in (
                "talk.no_filler",
                "hold.no_dead_air",
                "special.callback_commitment",
                "talk.no_jargon",
                "talk.correct_with_apology",
            )
        ]
        for k in ("jargon", "correction", "promise", "hold", "angry2", "req_thanks"):
            occ.pop(k, None)
    return c


def decide_late(call: Call, want: dict):
    """Inbound phone with events: is the call answered after more than three rings?"""
    late = False
    if call.phone_call and call.direction == "inbound" and call.has_events:
        if "open.answer_promptly" in want.get("force", ()):
            late = True
        elif "open.answer_promptly" not in want.get("force_pass", ()):
            late = (
                call.rng.random() < P_FAIL["open.answer_promptly"]
                or "open.apologize_for_wait" in want.get("force", ())
                or "open.apologize_for_wait" in want.get("force_pass", ())
            )
    call.flags["late"] = late


def settle_late(call: Call):
    if call.flags.get("late"):
        call.plan.add("open.answer_promptly")
    else:
        call.plan.discard("open.answer_promptly")
        call.plan.discard("open.apologize_for_wait")


def run_inbound(call: Call, want: dict, occ: dict, issue: dict):
    """Shared driver: signals, plan, then the conversation."""
    setup(call, want)
    decide_late(call, want)
    if occ.get("hold") == "pbx" and not (call.phone_call and call.has_times and call.has_events):
        occ["hold"] = "spoken"
    if call.profile == "audio_only":
        occ.pop("hold", None)
        if occ.get("transfer"):
            call.profile = "full_audio"
    if occ.get("transfer") and call.phone_call and not (call.has_events and call.has_times):
        call.profile = "full"
    if (occ.get("hangup_mid") or occ.get("drop")) and call.phone_call and not call.has_events:
        call.profile = "full"
    cands = inbound_candidates(call, occ)
    if call.flags.get("late"):
        cands.append("open.apologize_for_wait")
    if occ.get("complaint"):
        cands = (
            [x for x in cands if x != "special.callback_commitment"]
            if "special.complaint_followup" in want.get("force_pass", ())
            else cands
        )
    decide(call, cands, want.get("force", ()), want.get("force_pass", ()))
    if occ.get("transfer") == "fail" and call.v("transfer.failed_fallback"):
        # nothing later in the call may look like a callback offer for the failed transfer
        for k in ("hold", "promise", "complaint"):
            occ.pop(k, None)
        call.plan -= {
            "special.callback_commitment",
            "hold.ask_permission",
            "hold.thank_after",
            "hold.update_interval",
            "hold.max_duration",
        }
    if occ.get("dialect") or occ.get("poor") or occ.get("angry"):
        # their second agent turn apologises for not understanding: keep the wait apology unambiguous
        call.plan.discard("open.apologize_for_wait")
        call.flags["wait_in_first"] = True
    if occ.get("complaint") and not call.v("special.complaint_followup"):
        call.plan.discard("special.callback_commitment")  # a settled complaint carries a timed promise
    settle_late(call)
    prepare(call, closing=not (occ.get("transfer") == "ok" or occ.get("hangup_mid") or occ.get("drop")))
    service_call(call, issue, occ)


def fam_inquiry(call: Call, want: dict):
    """Plain inquiries in every domain (phone or chat)."""
    issue = pick_issue(call, want, chat_only=call.channel == "chat")
    r = call.rng
    occ = {
        "hold": r.choice([None, None, "spoken"]),
        "praise": r.choice([None, "mid", "end"]),
        "jargon": r.random() < 0.3,
        "correction": r.random() < 0.15,
        "promise": r.random() < 0.2,
        "req_thanks": r.random() < 0.15,
    }
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_billing(call: Call, want: dict):
    """Billing disputes: charges the customer does not recognise; often angry."""
    issue = pick_issue(
        call, want, domains=["telecom", "bank", "utility", "insurance"], chat_only=call.channel == "chat"
    )
    r = call.rng
    occ = {
        "angry": r.random() < 0.7,
        "hold": r.choice(["spoken", "pbx", None]),
        "correction": r.random() < 0.3,
        "jargon": r.random() < 0.35,
        "promise": r.random() < 0.5,
        "praise": r.choice([None, "mid"]),
        "angry2": r.random() < 0.2,
    }
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_refund(call: Call, want: dict):
    """Refunds and returns (e-commerce, travel): lookups and promises to notify."""
    issue = pick_issue(call, want, domains=["ecommerce", "travel"], chat_only=call.channel == "chat")
    r = call.rng
    occ = {
        "hold": r.choice(["spoken", "spoken", "pbx"]),
        "promise": r.random() < 0.6,
        "angry": r.random() < 0.3,
        "praise": r.choice([None, "mid", "end"]),
        "correction": r.random() < 0.2,
        "req_thanks": r.random() < 0.2,
    }
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_repair(call: Call, want: dict):
    """Repair / technical support: long lookups on hold, jargon, a visit promised."""
    issue = pick_issue(call, want, domains=["telecom", "utility"], chat_only=call.channel == "chat")
    r = call.rng
    occ = {
        "hold": "pbx" if r.random() < 0.6 else "spoken",
        "jargon": r.random() < 0.5,
        "promise": r.random() < 0.7,
        "praise": r.choice([None, "mid", "end"]),
        "hold2": r.random() < 0.3,
        "req_thanks": r.random() < 0.3,
    }
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_transfer(call: Call, want: dict):
    """Calls that need another department: transfer succeeds or fails."""
    issue = pick_issue(call, want, chat_only=call.channel == "chat")
    r = call.rng
    occ = {"transfer": r.choice(["ok", "fail", "fail"]), "praise": r.choice([None, "mid"]), "angry": r.random() < 0.2}
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_complaint(call: Call, want: dict):
    """An angry customer lodges a complaint that is recorded and passed on."""
    issue = pick_issue(call, want, chat_only=call.channel == "chat")
    if re.search("手机|电话|号码", issue["ask"][0]):  # asking for a phone number would blur "contact details"
        issue = call.rng.choice(
            [
                i
                for i in call.P.issues
                if not re.search("手机|电话|号码", i["ask"][0]) and (i["chat"] or call.channel != "chat")
            ]
        )
    call.flags["complaint_call"] = True
    occ = {
        "angry": True,
        "complaint": True,
        "hold": call.rng.choice([None, "spoken"]),
        "angry2": call.rng.random() < 0.3,
    }
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_angry_hangup(call: Call, want: dict):
    """An angry customer who hangs up mid-exchange (closing checkpoints are na)."""
    issue = pick_issue(call, want)
    occ = {"angry": True, "hangup_mid": True, "hold": call.rng.choice([None, "spoken"])}
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_praise(call: Call, want: dict):
    """A satisfied customer who thanks and praises more than once."""
    issue = pick_issue(call, want, chat_only=call.channel == "chat")
    occ = {"praise": call.rng.choice(["mid", "end"]), "req_thanks": True, "hold": "spoken"}
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_dialect(call: Call, want: dict):
    """A caller speaking a dialect the agent cannot follow."""
    want.setdefault("asr", False)
    issue = pick_issue(call, want)
    occ = {"dialect": True, "praise": call.rng.choice([None, "mid"]), "hold": call.rng.choice([None, "spoken"])}
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


def fam_poor_line(call: Call, want: dict):
    """A bad line: either it clears up after the agent asks, or it ends with 'call again'."""
    setup_done = False
    if want.get("poor") == "resolved" or (not want.get("poor") and call.rng.random() < 0.45):
        issue = pick_issue(call, want)
        occ = {"poor": "resolved", "hold": call.rng.choice([None, "spoken"])}
        occ.update(want.get("occ", {}))
        run_inbound(call, want, occ, issue)
        return
    # protocol: the line never clears; the agent asks, then suggests another phone
    setup(call, want)
    cands = (
        ["open.greeting", "open.self_identify", "talk.address_customer", "special.poor_line", "forbidden.hey"]
        + (["open.dead_air_at_start"] if call.timing and call.has_events else [])
        + (["talk.speech_rate"] if call.timing else [])
        + (["talk.volume"] if call.has_audio else [])
        + (["bonus.holiday_greeting"] if call.holiday else [])
    )
    decide(call, cands, want.get("force", ()), want.get("force_pass", ()), max_sampled=2)
    call.flags["no_offer_second"] = True
    prepare(call, closing=False)
    no_surname(call)
    ep_open_phone(call)
    call.cust(call.pick("poor_garbled"), "noise_speech")
    first = poor_first_response(call)
    a = ensure_addr(call) if first[0] == "poor_redial" else maybe_addr(call, 0.6) if first[0] != "poor_order" else None
    if call.flags.get("hey_at") == "mid":
        call.agent(ep_forbidden(call, "hey_mid"))
        call.flags["forb_done"].add("hey")
        call.cust(call.pick("poor_garbled"), "noise_speech")
    call.agent(*[x for x in [a, first] if x])
    call.flags["poor"] = True
    if first[0] == "poor_redial":
        call.flags["special_end"] = "poor"
        if call.rng.random() < 0.5:
            call.flags["hangup_by"] = "customer"
        else:
            call.flags["hangup_by"] = "agent"
            call.plan.add("close.customer_hangs_up_first") if call.has_events else None
        return
    call.cust(call.pick("poor_garbled"), "noise_speech")
    if call.chance(0.5):
        b = ensure_addr(call)
        call.agent(*[x for x in [b] if x], ("poor_polite_again", call.pick("poor_polite_again")))
        call.cust(call.pick("poor_garbled"), "noise_speech")
    b = ensure_addr(call)
    call.agent(*[x for x in [b] if x], ("poor_end", call.pick("poor_end")))
    call.flags["special_end"] = "poor"
    call.flags["hangup_by"] = "agent"
    _ = setup_done


def fam_silent(call: Call, want: dict):
    """Nobody speaks on the customer side: prompt twice, closing line, hang up."""
    setup(call, want)
    cands = (
        ["open.greeting", "open.self_identify", "special.silent_call", "forbidden.hey"]
        + (["open.dead_air_at_start"] if call.timing and call.has_events else [])
        + (["talk.speech_rate", "hold.no_dead_air"] if call.timing else [])
        + (["talk.volume"] if call.has_audio else [])
        + (["bonus.holiday_greeting"] if call.holiday else [])
    )
    decide_late(call, want)  # a late answer is apologised for in the first turn (the second is a prompt)
    decide(call, cands, want.get("force", ()), want.get("force_pass", ()), max_sampled=2)
    settle_late(call)
    call.flags["no_offer_second"] = True
    call.flags["wait_in_first"] = True
    rng = call.rng
    variant = rng.choice(["one_prompt", "no_close", "nobye"]) if call.v("special.silent_call") else "ok"
    prepare(call, closing=False)
    if call.v("forbidden.hey") and variant == "one_prompt":
        call.flags["hey_at"] = "open"  # no prompt to put it in
    no_surname(call)
    call.plan.discard("talk.address_customer")
    ep_open_phone(call)
    if rng.random() < 0.4:
        call.cust(call.pick("noise"), "noise", gap=rng.uniform(0.8, 1.5))
    hey = call.v("forbidden.hey") and call.flags.get("hey_at") == "mid"
    dead = call.v("hold.no_dead_air")  # the agent sits silent for a while before going on

    def gap(first):
        return rng.uniform(11.5, 15.0) if (dead and first) else rng.uniform(2.6, 4.6)

    n_prompts = 0 if variant == "one_prompt" else 2
    for i in range(n_prompts):
        slot = "silent_prompt_hey" if (hey and i == 0) else "silent_prompt"
        call.agent((slot, call.pick(slot)), gap=gap(i == 0))
    if variant == "nobye":
        call.agent(("silent_close_nobye", call.pick("silent_close_nobye")), gap=gap(False))
    elif variant != "no_close":
        call.agent(("silent_close", call.pick("silent_close")), gap=gap(n_prompts == 0))
    call.flags["silent"] = True
    call.flags["special_end"] = "silent"
    call.flags["hangup_by"] = "agent"
    if variant in ("no_close", "nobye") and call.has_events:
        call.plan.add("close.customer_hangs_up_first")


def fam_nuisance(call: Call, want: dict):
    """A harassing / prank caller: polite warning, then a polite close."""
    setup(call, want)
    call.gender = "m"
    cands = (
        ["open.greeting", "open.self_identify", "special.nuisance_call"]
        + (["open.dead_air_at_start"] if call.timing and call.has_events else [])
        + (["talk.speech_rate"] if call.timing else [])
        + (["talk.volume"] if call.has_audio else [])
        + (["bonus.holiday_greeting"] if call.holiday else [])
    )
    decide(call, cands, want.get("force", ()), want.get("force_pass", ()), max_sampled=2)
    prepare(call, closing=False)
    no_surname(call)
    ep_open_phone(call)
    rng = call.rng
    call.cust(call.pick("nuisance"), "nuisance")
    variant = "ok"
    if call.v("special.nuisance_call"):
        variant = rng.choice(["no_warn", "rude", "no_close"])
    if variant == "no_warn":
        pass
    elif variant == "rude":
        call.agent(("nui_rude", call.pick("nui_rude")))
        call.plan.add("forbidden.arrogant")
    else:
        call.agent(("nui_warn", call.pick("nui_warn")))
        call.cust(call.pick("nuisance"), "nuisance")
        if variant == "ok":
            call.agent(("nui_close", call.pick("nui_close")))
    call.flags["nuisance"] = True
    call.flags["special_end"] = "nuisance"
    call.flags["hangup_by"] = "agent"
    if variant != "ok" and call.has_events:
        call.plan.add("close.customer_hangs_up_first")


def fam_wrong_number(call: Call, want: dict):
    """The caller dialled the wrong number: no request (confirm_understanding na)."""
    setup(call, want)
    cands = [c for c in inbound_candidates(call, {}) if c not in ("talk.confirm_understanding",)]
    cands = [c for c in cands if not c.startswith("forbidden.") and c not in ("hold.no_dead_air", "talk.no_filler")]
    decide(call, cands, want.get("force", ()), want.get("force_pass", ()), max_sampled=2)
    call.plan.discard("open.answer_promptly")
    prepare(call)
    no_surname(call)
    (ep_open_chat if call.channel == "chat" else ep_open_phone)(call)
    call.cust(call.pick("wrongnum_cust"), "wrong")
    a = maybe_addr(call, 0.7)
    call.agent(*[x for x in [a] if x], ("wrongnum_agent", call.pick("wrongnum_agent")))
    call.cust(call.pick("wrongnum_cust2"), "wrong")
    ep_close(call)


# ---- outbound -------------------------------------------------------------------------------


def outbound_candidates(call: Call, occ: dict) -> list[str]:
    c = [
        "open.greeting",
        "out.identify_and_purpose",
        "talk.address_customer",
        "talk.no_filler",
        "close.ask_more_help",
        "close.thanks_goodbye",
        "forbidden.hey",
        "forbidden.shirk",
        "forbidden.arrogant",
        "forbidden.rebuke",
        "forbidden.command",
        "forbidden.private_info",
    ]
    if call.has_events:
        c.append("close.customer_hangs_up_first")
        if call.timing:
            c.append("open.dead_air_at_start")
    if call.timing:
        c += ["talk.no_interrupt", "talk.speech_rate", "hold.no_dead_air"]
    if call.has_audio:
        c.append("talk.volume")
    if occ.get("praise"):
        c.append("talk.praise_response")
    if occ.get("hold"):
        c += ["hold.ask_permission", "hold.thank_after"]
    if call.holiday:
        c.append("bonus.holiday_greeting")
    if occ.get("drop"):
        c = [x for x in c if not x.startswith("close.")]
    return c


def ep_out_open(call: Call, purpose: tuple, callback: bool = False):
    """Outbound opening: who we are, is it the right person, why we call, is it convenient."""
    rng, P = call.rng, call.P
    call.cust(call.pick("cust_pickup"), "pickup")
    miss = None
    if call.v("out.identify_and_purpose"):
        miss = rng.choice(["company", "id", "confirm", "purpose", "convenient"])
    call.flags["out_miss"] = miss
    pieces = []
    hey_open = call.v("forbidden.hey") and call.flags.get("hey_at") == "open"
    if hey_open:
        pieces.append(("hey_open", "喂" if call.v("open.greeting") else call.pick("hey_open")))
    if not call.v("open.greeting") and not (hey_open and "好" in pieces[0][1]):
        pieces.append(("greet", greet_word(call)))
    if call.holiday and not call.v("bonus.holiday_greeting") and call.flags.get("wish_at") == "open":
        pieces.append(("holiday", wish(call)))
    slot = {"company": "out_intro_nocompany", "id": "out_intro_noid"}.get(miss, "out_intro")
    pieces.append((slot, fmt(rng.choice(P[slot]), greet="", id=call.flags["id_text"]).lstrip("，")))
    if callback:
        if call.v("special.dropped_call_callback"):
            if rng.random() < 0.6:
                pieces.append(("callback_noapology", call.pick("callback_noapology")))
        else:
            pieces.append(("drop_apology", call.pick("drop_apology")))
    if call.sn and not call.v("talk.address_customer"):
        confirm = ("out_confirm_sn", call.pick("out_confirm_sn", sn=call.sn, title=call.title))
        if miss != "confirm":
            call.flags["addressed"] = True
    else:
        confirm = ("out_confirm_tail", call.pick("out_confirm_tail", tail=call.phone[-4:]))
    conv = ("out_convenient", call.pick("out_convenient"))
    if miss == "confirm":
        call.agent(*pieces)
        call.cust(call.pick("cust_yes"), "cust_yes")
        rest = [purpose] + ([] if miss == "convenient" else [conv])
        call.agent(*rest)
        call.cust(call.pick("cust_convenient"))
        return
    if miss == "purpose":
        call.agent(*pieces)
        call.cust(call.pick("cust_yes"), "cust_yes")
        call.agent(confirm)
        call.cust(call.pick("cust_is_me"))
        call.agent(conv)
        call.cust(call.pick("cust_convenient"))
        call.agent(maybe_addr(call, 0.5), purpose)
        return
    if rng.random() < 0.6:
        call.agent(*pieces, confirm)
        call.cust(call.pick("cust_is_me"))
    else:
        call.agent(*pieces)
        call.cust(call.pick("cust_yes"), "cust_yes")
        call.agent(confirm)
        call.cust(call.pick("cust_is_me"))
    rest = [maybe_addr(call, 0.5), purpose] + ([] if miss == "convenient" else [conv])
    call.agent(*rest)
    call.cust(call.pick("cust_convenient") if miss != "convenient" else call.pick("cust_ok"))


def run_outbound(call: Call, want: dict, occ: dict, body, purpose_fn, callback_parent=None):
    rng = call.rng
    if "out.call_window" in want.get("force", ()) or (
        "out.call_window" not in want.get("force_pass", ()) and rng.random() < P_FAIL["out.call_window"]
    ):
        call.plan.add("out.call_window")
    if callback_parent is not None:
        inherit(call, callback_parent)
    else:
        setup(call, want)
    if occ.get("long") and call.profile == "audio_only":
        call.profile = "full_audio"
    if (occ.get("drop") or occ.get("long")) and not call.has_events:
        call.profile = "full" if occ.get("long") and rng.random() < 0.5 else "events_only"
    if occ.get("hold") and not call.has_times:
        occ.pop("hold")
    cands = outbound_candidates(call, occ)
    if occ.get("long"):
        cands = [c for c in cands if c != "talk.speech_rate"]
    force = set(want.get("force", ()))
    decide(call, cands, force, want.get("force_pass", ()))
    if occ.get("long") and not occ.get("own"):
        call.plan.add("out.duration")
    if callback_parent is not None and (
        "special.dropped_call_callback" in force
        or ("special.dropped_call_callback" not in want.get("force_pass", ()) and rng.random() < 0.3)
    ):
        call.plan.add("special.dropped_call_callback")
    prepare(call, closing=not occ.get("drop"))
    call.flags["generic_only"] = False  # outbound: the surname is only known from the agent's own words
    if callback_parent is not None:
        call.sn = callback_parent.sn
        call.flags["sn_mode"] = "system" if call.sn else "none"
    elif call.flags["sn_mode"] == "none" and rng.random() < 0.6 and not call.v("talk.address_customer"):
        call.sn = rng.choice(sorted(SURNAMES))
    ep_out_open(call, purpose_fn(call), callback=callback_parent is not None)
    if occ.get("drop"):
        call.flags["addr_early"] = True
    body(call)
    if forb_pending(call):
        sprinkle_forbidden(call)
    if occ.get("drop"):
        call.flags["dropped"] = True
        return
    ep_close(call, praise=None)


def inherit(call: Call, parent: Call):
    """A callback: same agent and customer, a few minutes after the dropped call."""
    call.agent_id, call.team = parent.agent_id, parent.team
    call.profile = call.rng.choice(["full", "full", "events_only", "full_audio"])
    call.asr = parent.asr
    call.gender, call.phone, call.flags["ftitle"] = parent.gender, parent.phone, parent.flags.get("ftitle", "女士")
    call.flags["id_text"] = parent.flags["id_text"]
    start = parent.started_at or datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
    call.started_at = start + timedelta(seconds=int(parent.flags.get("duration", 120)) + call.rng.randrange(40, 300))
    call.plan.discard("out.call_window")
    if not in_window(call.started_at):
        call.plan.add("out.call_window")
    call.holiday = HOLIDAY_DATES.get(call.started_at.date())
    call.flags["parent_issue"] = parent.flags.get("issue")


def fam_out_survey(call: Call, want: dict):
    """Outbound satisfaction survey (回访) after a service."""
    rng, P = call.rng, call.P
    topic = rng.choice(P["survey_topics"])
    occ = {"praise": rng.random() < 0.35, "own": rng.random() < 0.25}
    occ.update(want.get("occ", {}))

    def purpose(c):
        return ("out_purpose_survey", c.pick("out_purpose_survey", **topic))

    def body(c):
        qs = rng.sample(P["survey_qa"], k=rng.randint(2, 4))
        for i, qa in enumerate(qs):
            body_turn(c, ("survey_q", fmt(qa["q"], **topic)))
            c.cust(rng.choice(qa["a"]), "survey_a")
            if i == 0 and occ.get("praise"):
                c.cust(c.pick("survey_praise"), "praise")
                if not c.v("talk.praise_response"):
                    c.agent(("praise_ack", c.pick("praise_ack")))
                    c.cust(c.pick("cust_ok"))
        c.agent(("survey_end", c.pick("survey_end")))
        if occ.get("own"):
            own_business(c)

    run_outbound(call, want, occ, body, purpose)


def own_business(c: Call) -> None:
    """The callee raises business of their own during an outbound call; the agent answers it."""
    k = c.rng.randrange(len(c.P["own_q"]))
    c.cust(fmt(c.rng.choice(c.P["own_business"]), q=c.P["own_q"][k]), "own_business")
    c.agent(("own_a", c.P["own_a"][k]))
    c.cust(c.pick("cust_follow_ok"))


def fam_out_notify(call: Call, want: dict):
    """Outbound notification (outage, renewal, schedule change, statement)."""
    rng, P = call.rng, call.P
    topic = rng.choice(P["notify_topics"])
    occ = {"own": rng.random() < 0.2}
    occ.update(want.get("occ", {}))

    def purpose(c):
        return ("out_purpose_notify", c.pick("out_purpose_notify", notice=topic["notice"]))

    def body(c):
        for q, a in rng.sample(topic["qa"], k=rng.randint(1, len(topic["qa"]))):
            c.cust(q, "notify_q")
            body_turn(c, maybe_addr(c, 0.3), ("answer", a))
        if occ.get("own"):
            own_business(c)

    run_outbound(call, want, occ, body, purpose)


def fam_out_long(call: Call, want: dict):
    """A long outbound offer call (tariff change / upgrade): out.duration, holds with updates."""
    rng, P = call.rng, call.P
    occ = {"long": True, "own": rng.random() < 0.3, "hold": "spoken"}
    occ.update(want.get("occ", {}))
    call.flags["long_call"] = True
    notice = rng.choice(P["long_notice"])

    def purpose(c):
        return ("out_purpose_notify", c.pick("out_purpose_notify", notice=notice))

    def body(c):
        for line in P["long_explain"]:
            body_turn(c, ("long_explain", line))
            c.cust(c.pick("cust_long_ok"), "cust_ok")
        for q, a in P["long_qa"]:
            c.cust(q, "notify_q")
            c.agent(maybe_addr(c, 0.2), ("answer", a))
        if occ.get("hold") and c.has_times:
            c.flags["long_hold"] = True
            ep_hold(c, {"subject": P["long_subject"], "result": P["long_result"], "wrong": P["long_result"]}, "spoken")
            c.cust(c.pick("cust_ok"))
        if occ.get("own"):
            own_business(c)

    run_outbound(call, want, occ, body, purpose)


def fam_out_unanswered(call: Call, want: dict):
    """Nobody picks up: the agent waits (or not) before giving up."""
    rng = call.rng
    if "out.call_window" in want.get("force", ()) or (
        "out.call_window" not in want.get("force_pass", ()) and rng.random() < P_FAIL["out.call_window"]
    ):
        call.plan.add("out.call_window")
    want = {**want, "profile": "events_only"}
    setup(call, want)
    fail = "out.ring_patience" in want.get("force", ()) or (
        "out.ring_patience" not in want.get("force_pass", ()) and rng.random() < 0.45
    )
    if fail:
        call.plan.add("out.ring_patience")
        call.flags["ring_for"], call.flags["hangup_by"] = rng.uniform(7, 24), "agent"
    elif rng.random() < 0.6:
        call.flags["ring_for"], call.flags["hangup_by"] = rng.uniform(33, 62), "agent"
    else:
        call.flags["ring_for"], call.flags["hangup_by"] = rng.uniform(45, 60), "system"
    call.flags["unanswered"] = True


def fam_out_dropped(call: Call, want: dict):
    """An outbound call that drops; it is called back (a later record) or never."""
    rng = call.rng
    kind = rng.choice([fam_out_notify, fam_out_survey])
    occ = dict(want.get("occ", {}))
    occ["drop"] = True
    kind(call, {**want, "occ": occ})
    never = "special.dropped_call_callback" in want.get("force", ()) or (
        "special.dropped_call_callback" not in want.get("force_pass", ()) and rng.random() < 0.5
    )
    if never:
        call.meta["called_back"] = False
        call.plan.add("special.dropped_call_callback")
    else:
        call.meta["called_back"] = True
        call.flags["needs_callback"] = True


def fam_dropped_inbound(call: Call, want: dict):
    """An inbound call that drops mid-way; the agent calls back (a later outbound record)."""
    issue = pick_issue(call, want)
    occ = {"drop": True, "hold": call.rng.choice([None, "spoken"])}
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)
    call.flags["issue"] = issue
    call.meta["called_back"] = True
    call.flags["needs_callback"] = True


def fam_out_callback(call: Call, want: dict, parent: Call):
    """The callback after a dropped call: must open with an apology for the drop."""
    rng, P = call.rng, call.P
    issue = parent.flags.get("issue")
    what = issue["topic"] if issue else rng.choice(P["survey_topics"])["what"]

    def purpose(c):
        return ("out_purpose_callback", c.pick("out_purpose_callback", what=what))

    def body(c):
        if issue:
            body_turn(c, maybe_addr(c, 0.3), ("result", rng.choice(issue["result"])))
            c.cust(rng.choice(issue["cust_q"]), "problem2")
            body_turn(c, ("answer2", rng.choice(issue["answer2"])))
        else:
            qa = rng.choice(P["survey_qa"])
            body_turn(c, ("survey_q", fmt(qa["q"], what=what, when_done="上次")))
            c.cust(rng.choice(qa["a"]), "survey_a")
            c.agent(("survey_end", c.pick("survey_end")))

    call.meta["callback_of"] = parent.call_id
    run_outbound(call, want, {}, body, purpose, callback_parent=parent)


# ---- chat --------------------------------------------------------------------------------


def fam_chat_order(call: Call, want: dict):
    """Typed chat about an online order (logistics, returns, price, damage)."""
    issue = pick_issue(call, want, chat_only=True, domains=["ecommerce", "travel"])
    r = call.rng
    occ = {
        "hold": r.choice(["spoken", "spoken", None]),
        "praise": r.choice([None, "mid", "end", "end"]),
        "promise": r.random() < 0.3,
        "correction": r.random() < 0.15,
        "jargon": r.random() < 0.25,
        "angry": r.random() < 0.2,
        "req_thanks": r.random() < 0.2,
    }
    occ.update(want.get("occ", {}))
    run_inbound(call, want, occ, issue)


# ---- timeline: times, events, audio ---------------------------------------------------------


def in_window(dt: datetime) -> bool:
    m = dt.hour * 60 + dt.minute + dt.second / 60
    return (7 * 60 + 30 <= m < 12 * 60 + 30) or (14 * 60 <= m < 21 * 60)


NEUTRAL_CUST = {"problem", "info", "problem2", "notify_q", "cust"}


def plan_overlaps(call: Call):
    """Planned interruption, harmless overlaps and backchannels (timed phone calls only)."""
    rng = call.rng
    T = call.turns
    if call.v("talk.no_interrupt"):
        cands = [
            i
            for i in range(1, len(T))
            if T[i].sp == "agent"
            and T[i - 1].sp == "customer"
            and cjk_count(T[i - 1].text) >= 5
            and cjk_count(T[i].text) > BACKCHANNEL_MAX
            and T[i].gap is None
            and not T[i].inside
            and T[i - 1].first_slot not in ("noise", "noise_speech")
        ]
        if not cands:  # short answers only: the agent cuts into one of them (it is stretched below)
            cands = [
                i
                for i in range(1, len(T))
                if T[i].sp == "agent"
                and T[i - 1].sp == "customer"
                and cjk_count(T[i - 1].text) >= 3
                and cjk_count(T[i].text) > BACKCHANNEL_MAX
                and T[i].gap is None
                and not T[i].inside
                and T[i - 1].first_slot not in ("noise", "noise_speech")
            ]
        if not cands:
            raise BuildError(
                f"{call.call_id} ({call.family}): no place for the planned interruption "
                + " | ".join(t.text for t in T)
            )
        i = rng.choice(cands)
        T[i].overlap = rng.uniform(1.7, 2.5)
        T[i].tags["interrupt"] = True
    for i in range(1, len(T)):
        t, p = T[i], T[i - 1]
        if t.overlap is None and t.gap is None and not t.inside and rng.random() < 0.08 and p.sp != t.sp:
            t.overlap = rng.uniform(0.15, 0.55)
    if not call.has_times:
        return
    agent_idx = [i for i, t in enumerate(T) if t.sp == "agent"]
    out = []
    for i, t in enumerate(T):
        out.append(t)
        before = sum(1 for j in agent_idx if j < i)
        after = sum(1 for j in agent_idx if j > i)
        if (
            t.sp == "customer"
            and t.slots <= NEUTRAL_CUST
            and len(t.text) >= 14
            and before >= 3
            and after >= 4
            and i + 1 < len(T)
            and T[i + 1].overlap is None
            and rng.random() < 0.3
            and not any(x.has("angry", "complaint", "praise", "req_thanks") for x in T[max(0, i - 3) : i + 1])
            and not (i + 1 < len(T) and T[i + 1].gap is not None)
        ):
            txt = call.pick("backchannel")
            out.append(Turn("agent", [("backchannel", txt)], text=txt, inside=True, raw=True))
    call.turns = out


def simulate(call: Call):
    """Times for every utterance, the events and (where wanted) audio features."""
    rng = call.rng
    ev: list[dict] = [{"type": "ring", "t": 0.0}]
    if call.flags.get("unanswered"):
        ev.append({"type": "hangup", "t": round(call.flags["ring_for"], 2), "by": call.flags["hangup_by"]})
        call.events = ev
        return
    inbound = call.direction == "inbound"
    if inbound:
        ans = rng.uniform(17.5, 38.0) if call.flags.get("late") else rng.uniform(1.5, 11.5)
    else:
        ans = rng.uniform(5.0, 24.0)
    ev.append({"type": "answer", "t": ans})
    if call.v("talk.speech_rate"):
        rate_a = rng.uniform(115, 160) if rng.random() < 0.5 else rng.uniform(302, 360)
    elif call.flags.get("long_call"):
        rate_a = rng.uniform(184, 194)
    else:
        rate_a = rng.uniform(194, 266)
    rate_c = rng.uniform(190, 300)
    for t in call.turns:
        n = max(cjk_count(t.text), 1)
        if t.sp == "agent":
            t.dur = n / rate_a * 60 * rng.uniform(0.86, 1.14)
        elif t.first_slot in ("noise",):
            t.dur = rng.uniform(0.8, 2.2)
        else:
            t.dur = max(0.5, n / rate_c * 60 * rng.uniform(0.85, 1.2))
    ag = [t for t in call.turns if t.sp == "agent"]
    if ag:  # exact average rate for the agent
        k = sum(cjk_count(t.text) for t in ag) / sum(t.dur for t in ag) * 60 / rate_a
        for t in ag:
            t.dur *= k
    for i, t in enumerate(call.turns):  # room for planned overlaps
        if t.overlap and i and call.turns[i - 1].dur < t.overlap + 0.9:
            call.turns[i - 1].dur = t.overlap + rng.uniform(0.9, 1.8)
    cur_end, prev, first_agent = ans, None, True
    for t in call.turns:
        if t.inside:
            host = prev
            t.start = host.start + rng.uniform(0.3, 0.55) * max(host.dur - t.dur - 0.3, 0.2)
            t.end = t.start + t.dur
            continue
        if t.sp == "agent" and first_agent:
            first_agent = False
            delay = rng.uniform(3.8, 7.2) if call.v("open.dead_air_at_start") else rng.uniform(0.4, 2.3)
            start = max(ans + delay, cur_end + 0.3)
        elif t.overlap is not None and prev is not None:
            start = prev.end - t.overlap
        elif prev is None:  # the callee picks up and speaks first
            start = ans + rng.uniform(0.2, 0.5)
            t.dur = min(t.dur, 1.5)
        else:
            if t.gap is not None:
                gap = t.gap
            elif call.flags.get("long_call"):  # long offer calls: people think before they answer
                gap = rng.uniform(3.4, 7.4) if call.v("out.duration") else rng.uniform(2.0, 5.5)
            else:
                gap = rng.uniform(0.4, 1.3) if prev.sp != t.sp else rng.uniform(0.3, 0.8)
            start = cur_end + gap
        t.start, t.end = start, start + t.dur
        cur_end = max(cur_end, t.end)
        prev = t
        if t.pbx:
            hs = cur_end + rng.uniform(0.4, 0.8)
            he = hs + t.pbx
            ev += [{"type": "hold_start", "t": hs}, {"type": "hold_end", "t": he}]
            cur_end = he
        if t.xfer:
            te = cur_end + rng.uniform(0.6, 1.2)
            ev.append({"type": "transfer", "t": te, "target": t.xfer["target"], "ok": t.xfer["ok"]})
            cur_end = te
            if t.xfer["ok"]:
                ev.append({"type": "hangup", "t": te + rng.uniform(0.3, 0.8), "by": "system"})
                break
    end_t = cur_end
    if call.flags.get("dropped"):
        ev.append({"type": "dropped", "t": end_t + rng.uniform(0.2, 0.9)})
    elif not call.flags.get("xfer_ok"):
        ev.append({"type": "hangup", "t": end_t + rng.uniform(0.6, 2.4), "by": call.flags.get("hangup_by", "customer")})
    # long outbound calls without utterance times: stretch the clock to the planned length
    if call.direction == "outbound" and call.flags.get("long_call") and not call.timing:
        target = rng.uniform(325, 470) if (call.v("out.duration") or rng.random() < 0.6) else rng.uniform(200, 280)
        last = ev[-1]["t"]
        k = target / max(last - ans, 1.0)
        for e in ev[2:]:
            e["t"] = ans + (e["t"] - ans) * k
        for t in call.turns:
            t.start, t.end = ans + (t.start - ans) * k, ans + (t.end - ans) * k
    for e in ev:
        e["t"] = round(e["t"], 2)
    for t in call.turns:
        t.start, t.end = round(t.start, 2), round(t.end, 2)
        if t.end <= t.start:
            t.end = round(t.start + 0.1, 2)
    call.events = sorted(ev, key=lambda e: e["t"])
    call.flags["duration"] = call.events[-1]["t"]
    call.turns.sort(key=lambda u: u.start)


def build_audio(call: Call):
    """Speech segments with levels (dBFS) as an audio front-end would report them."""
    rng = call.rng
    kind = None
    if call.v("talk.volume"):
        kind = rng.choice(["quiet", "loud", "jump"])
    base = {"quiet": rng.uniform(-43, -39.5), "loud": rng.uniform(-4.6, -3.0)}.get(kind, rng.uniform(-24, -13))
    cbase = rng.choice([rng.uniform(-30, -12), rng.uniform(-5, -2.5), rng.uniform(-42, -37)])
    segs, last_agent = [], None
    agent_n = sum(1 for t in call.turns if t.sp == "agent")
    jump_at = rng.randrange(1, agent_n) if kind == "jump" and agent_n > 1 else None
    k = 0
    for t in call.turns:
        if t.sp == "agent":
            lvl = base + rng.uniform(-2.8, 2.8) if kind != "loud" else base + rng.uniform(-1.0, 1.0)
            if jump_at is not None and k == jump_at:
                lvl = (
                    min(-1.0, last_agent + rng.uniform(15, 19))
                    if last_agent < -20
                    else last_agent - rng.uniform(15, 19)
                )
            lvl = round(lvl, 1)
            last_agent = lvl
            k += 1
        else:
            lvl = round(cbase + rng.uniform(-3, 3), 1)
        t.level = lvl
        segs.append({"speaker": t.sp, "start": t.start, "end": t.end, "level": lvl})
    dur = round(max([e["t"] for e in call.events] + [t.end for t in call.turns]) + 0.5, 2)
    call.audio = {"path": None, "features": {"duration": dur, "stereo": True, "segments": segs}}


# ---- labels: docs/rulings.md applied to slots, times and events ------------------------------

ACK_SLOTS = {"praise_ack", "chat_praise_ack"}
ASK_SLOTS = {"ask_more", "chat_ask_more"}
OFFER_SLOTS = {"offer", "offer_second", "chat_open_full", "chat_open_offer", "chat_offer_second"}
GREET_SLOTS = {"greet", "holiday", "chat_open_full", "chat_open_greet"}
EMPATHY_SLOTS = {"empathy"}
PROMISE_SLOTS = {"promise", "resume_callback", "xfer_fallback_call", "complaint_timed", "complaint_untimed"}
THANKS_RE = re.compile(r"谢谢|感谢|多谢|谢了")
FAREWELL_RE = re.compile(r"再见|拜拜|再会|祝您.{0,8}愉快|欢迎.{0,4}再次来电|欢迎您随时来电")
TIMEFRAME_RE = re.compile(r"(\d+|[一二两三四五六七八九十半]+)个?(小时|工作日|天|分钟)|今天|明天|明早|今晚|点前|点之前")
CUSTOMER_PRAISE_SLOTS = {"praise", "survey_praise"}


def is_hey_open(t: Turn) -> bool:
    return t.has("hey_open") and "好" in dict(t.pieces)["hey_open"]


def label(call: Call) -> dict:
    """Expected outcome of all 44 checkpoints (docs/rulings.md)."""
    L = dict.fromkeys(CHECKPOINTS, "na")
    T = call.turns
    A = [t for t in T if t.sp == "agent"]
    C = [t for t in T if t.sp == "customer"]
    phone, _chat = call.phone_call, call.channel == "chat"
    inbound, outbound = call.direction == "inbound", call.direction == "outbound"
    ev = call.events if call.has_events else []
    first = {}
    for e in ev:
        first.setdefault(e["type"], e)
    timing = phone and call.timing
    fl = call.flags
    if not A:  # nobody spoke (unanswered outbound call)
        if outbound and call.started_at:
            L["out.call_window"] = "pass" if in_window(call.started_at) else "fail"
        if outbound and ev and "answer" not in first:
            h = first.get("hangup")
            L["out.ring_patience"] = (
                "fail" if (h and h["by"] == "agent" and h["t"] - first["ring"]["t"] < RING_PATIENCE) else "pass"
            )
        return L
    special_end = fl.get("special_end")
    close_na = bool(special_end or fl.get("dropped") or fl.get("xfer_ok") or fl.get("hangup_mid"))
    # ---- opening
    late = (
        inbound
        and phone
        and "ring" in first
        and "answer" in first
        and first["answer"]["t"] - first["ring"]["t"] > RING_LIMIT
    )
    if inbound and phone and "ring" in first and "answer" in first:
        L["open.answer_promptly"] = "fail" if late else "pass"
        if late:
            L["open.apologize_for_wait"] = "pass" if any(t.has("wait_apology") for t in A[:2]) else "fail"
    a0 = A[0]
    L["open.greeting"] = "pass" if (a0.has(*GREET_SLOTS) or is_hey_open(a0)) else "fail"
    if inbound and phone:
        org = a0.has("frame_full", "frame_org")
        idn = a0.has("frame_full", "frame_id")
        L["open.self_identify"] = "pass" if (org and idn) else "fail"
    if inbound:
        L["open.offer_help"] = "pass" if any(t.has(*OFFER_SLOTS) for t in A[:2]) else "fail"
    if phone and timing and "answer" in first:
        L["open.dead_air_at_start"] = "fail" if a0.start - first["answer"]["t"] > DEAD_AIR_START else "pass"
    # ---- during the call
    real = [t for t in C if t.first_slot not in ("noise",)]
    if phone and real and not fl.get("silent") and not fl.get("nuisance"):
        sn_known = any(t.has("surname_give") for t in C) or any(t.has("addr_sur", "out_confirm_sn") for t in A)
        ok = any(t.has("addr_sur", "out_confirm_sn") for t in A) if sn_known else any(t.has("addr_gen") for t in A)
        L["talk.address_customer"] = "pass" if ok else "fail"
    if inbound and fl.get("problem") and not fl.get("nuisance"):
        L["talk.confirm_understanding"] = "pass" if any(t.has("restate") for t in A) else "fail"
    if timing:
        bad = False
        for a in A:
            for c in C:
                if c.start < a.start < c.end:
                    ov = min(a.end, c.end) - a.start
                    if ov > OVERLAP_LIMIT and cjk_count(a.text) > BACKCHANNEL_MAX:
                        bad = True
        L["talk.no_interrupt"] = "fail" if bad else "pass"
    if phone:
        L["talk.no_filler"] = "fail" if any(t.first_slot == "filler" for t in A) else "pass"
    if timing:
        chars = sum(cjk_count(t.text) for t in A)
        if chars >= 20:
            rate = chars / sum(t.end - t.start for t in A) * 60
            L["talk.speech_rate"] = "pass" if RATE_BAND[0] <= rate <= RATE_BAND[1] else "fail"
    if phone and call.has_audio:
        lv = [t.level for t in A]
        med = statistics.median(lv)
        jump = any(abs(x - y) > VOLUME_JUMP for x, y in itertools.pairwise(lv))
        L["talk.volume"] = "fail" if (med < VOLUME_BAND[0] or med > VOLUME_BAND[1] or jump) else "pass"
    L["talk.no_jargon"] = "fail" if any(t.has("jargon_bare") for t in A) else "pass"
    corr = [i for i, t in enumerate(A) if t.has("correction_apology", "correction_bare")]
    if corr:
        L["talk.correct_with_apology"] = (
            "fail"
            if any(A[i].has("correction_bare") and not (i and APOLOGY_RE.search(A[i - 1].clean)) for i in corr)
            else "pass"
        )
    praises = [i for i, t in enumerate(T) if t.sp == "customer" and t.has(*CUSTOMER_PRAISE_SLOTS)]
    if praises:
        ok = True
        for i in praises:
            nxt = next((t for t in T[i + 1 :] if t.sp == "agent"), None)
            if nxt is None or nxt.first_slot not in ACK_SLOTS:
                ok = False
        L["talk.praise_response"] = "pass" if ok else "fail"
    # ---- holds and transfers
    if call.holds:
        L["hold.ask_permission"] = (
            "pass"
            if all(h["announce"] is not None and h["variant"] in ("hold_ok", "chat_hold_ok") for h in call.holds)
            else "fail"
        )
        L["hold.thank_after"] = (
            "pass"
            if all(h["resume"].has("resume_thanks", "chat_resume_thanks", "resume_apology") for h in call.holds)
            else "fail"
        )
        if phone and call.has_times:
            upd, mx = "pass", "pass"
            for h in call.holds:
                start_t = (h["announce"] or h["after"]).end
                talk = [h["announce"]] if h["announce"] else []
                pts = [start_t] + [x for u in h["updates"] for x in (u.start, u.end)] + [h["resume"].start]
                stretches = [pts[k + 1] - pts[k] for k in range(0, len(pts) - 1, 2)]
                if h["kind"] == "pbx":
                    hs = next(e for e in call.events if e["type"] == "hold_start" and e["t"] >= h["after"].end - 0.01)
                    he = next(e for e in call.events if e["type"] == "hold_end" and e["t"] >= hs["t"])
                    length = he["t"] - hs["t"]
                    stretches.append(length)
                else:
                    anchor = (h["announce"] or h["after"]).end
                    length = h["resume"].start - anchor
                if max(stretches) > HOLD_UPDATE:
                    upd = "fail"
                if length > HOLD_MAX and not h["resume"].has("resume_apology", "resume_callback"):
                    mx = "fail"
                _ = talk
            L["hold.update_interval"], L["hold.max_duration"] = upd, mx
    if timing:
        spans = []
        for h in call.holds:
            spans.append(((h["announce"] or h["after"]).start, h["resume"].end))
        for x in call.xfers:
            end = x["return"].start if x.get("return") else 1e9
            spans.append((x["after"].start if x["announce"] is None else x["announce"].start, end))
        dead = False
        utt = sorted(T, key=lambda u: u.start)
        mend = utt[0].end
        for u in utt[1:]:
            if u.start - mend > DEAD_AIR and not any(a <= mend and u.start <= b for a, b in spans):
                dead = True
            mend = max(mend, u.end)
        L["hold.no_dead_air"] = "fail" if dead else "pass"
    if call.xfers:
        L["transfer.explain_and_consent"] = (
            "pass" if all(x["variant"] in ("xfer_ok", "chat_xfer_ok") for x in call.xfers) else "fail"
        )
        failed = [x for x in call.xfers if not x["ok"]]
        if failed:
            L["transfer.failed_fallback"] = (
                "pass" if all(x["return"].has("xfer_fallback_call", "xfer_fallback_how") for x in failed) else "fail"
            )
    # ---- closing
    if not close_na:
        L["close.ask_more_help"] = "pass" if any(t.has(*ASK_SLOTS) for t in A[-3:]) else "fail"
        last2 = " ".join(t.clean for t in A[-2:])
        L["close.thanks_goodbye"] = "pass" if (THANKS_RE.search(last2) and FAREWELL_RE.search(last2)) else "fail"
    h = first.get("hangup")
    if phone and h and not fl.get("dropped"):
        if h["by"] == "system":
            pass
        elif special_end:
            farewell = any(t.has("silent_close", "poor_end", "nui_close") for t in A)
            if h["by"] == "agent" and not farewell:
                L["close.customer_hangs_up_first"] = "fail"
        elif close_na:
            pass
        else:
            L["close.customer_hangs_up_first"] = "fail" if h["by"] == "agent" else "pass"
    # ---- forbidden language
    for fam in FORBIDDEN:
        ck = "forbidden." + ("private_info" if fam == "private" else fam)
        if fam == "hey" and not phone:
            continue
        slots = {
            "arrogant": ("arrogant", "nui_rude"),
            "rebuke": ("rebuke",),
            "command": ("command", "poor_order"),
            "shirk": ("shirk",),
            "hey": ("hey_open", "hey_mid", "silent_prompt_hey"),
            "private": ("private",),
        }[fam]
        L[ck] = "fail" if any(t.has(*slots) for t in A) else "pass"
    # ---- special situations
    if phone and fl.get("silent"):
        prompts = [t for t in A if t.has("silent_prompt", "silent_prompt_hey")]
        close = next((t for t in A if t.has("silent_close")), None)
        ok = close is not None and len([p for p in prompts if p.start < close.start or not timing]) >= 2
        if ok and timing:
            ok = close.start - A[0].start >= 5.0
        L["special.silent_call"] = "pass" if ok else "fail"
    if phone and fl.get("poor"):
        firstp = next(t for t in A if t.has("poor_polite", "poor_redial", "poor_order", "poor_nothing"))
        L["special.poor_line"] = "pass" if firstp.has("poor_polite") else "fail"
    if phone and fl.get("dialect"):
        d = next(t for t in A if t.has("dia_polite", "dia_family", "dia_fail"))
        L["special.dialect"] = "fail" if d.has("dia_fail") else "pass"
    angry = [i for i, t in enumerate(T) if t.sp == "customer" and t.has("angry")]
    judged = [i for i in angry if any(t.sp == "agent" for t in T[i + 1 :])]
    if judged and not fl.get("nuisance"):
        ok = True
        for i in judged:
            nxt = [t for t in T[i + 1 :] if t.sp == "agent"][:2]
            if not any(t.has(*EMPATHY_SLOTS) for t in nxt) or any(
                t.has("argue") or FORBIDDEN_SLOTS & t.slots for t in nxt
            ):
                ok = False
        L["special.angry_customer"] = "pass" if ok else "fail"
    if fl.get("complaint"):
        cont = any(t.has("contact_ask") for t in A)
        tm = any(t.has("complaint_timed") for t in A)
        L["special.complaint_followup"] = "pass" if (cont and tm) else "fail"
    prom = [t for t in A if t.has(*PROMISE_SLOTS)]
    if prom:
        timed = all(
            TIMEFRAME_RE.search(dict(t.pieces).get(next(s for s in t.slots if s in PROMISE_SLOTS), "")) for t in prom
        )
        L["special.callback_commitment"] = "pass" if timed else "fail"
    if phone and fl.get("nuisance"):
        warn_i = next((i for i, t in enumerate(A) if t.has("nui_warn")), None)
        close_i = next((i for i, t in enumerate(A) if t.has("nui_close")), None)
        rude = any(t.has("nui_rude") for t in A)
        L["special.nuisance_call"] = (
            "pass" if (warn_i is not None and close_i is not None and close_i > warn_i and not rude) else "fail"
        )
    if outbound and phone:
        if call.meta.get("callback_of"):
            L["special.dropped_call_callback"] = "pass" if any(t.has("drop_apology") for t in A[:2]) else "fail"
        elif fl.get("dropped") and call.meta.get("called_back") is False:
            L["special.dropped_call_callback"] = "fail"
    # ---- outbound
    if outbound:
        first3 = A[:3]
        parts = [
            any(t.has("out_intro") for t in first3),
            any(t.has("out_confirm_sn", "out_confirm_tail") for t in first3),
            any(t.has("out_purpose_survey", "out_purpose_notify", "out_purpose_callback") for t in first3),
            any(t.has("out_convenient") for t in first3),
        ]
        L["out.identify_and_purpose"] = "pass" if all(parts) else "fail"
        if call.started_at:
            L["out.call_window"] = "pass" if in_window(call.started_at) else "fail"
        if "answer" in first and "hangup" in first:
            dur = first["hangup"]["t"] - first["answer"]["t"]
            own = any(t.has("own_business") for t in C)
            L["out.duration"] = "fail" if (dur > OUTBOUND_MAX and not own) else "pass"
    # ---- bonus
    if call.started_at and call.started_at.date() in HOLIDAY_DATES:
        L["bonus.holiday_greeting"] = "pass" if any(t.has("holiday", "holiday_close") for t in A) else "fail"
    return L


FORBIDDEN_SLOTS = {"arrogant", "rebuke", "command", "shirk", "private", "nui_rude", "poor_order"}
APOLOGY_RE = re.compile(r"抱歉|对不起|不好意思|欠缺")


# ---- lint: trigger words in the text must be explained by the slots --------------------------


def R(p):
    return re.compile(p)


# (name, regex, slots allowed to contain it) for agent pieces
AGENT_LINT = [
    (
        "jargon",
        R(
            r"工单|派单|流转|话单|详单|预授权|冲正|挂账|风控|质检|坐席|报障|结算周期|对账单|二次认证|APN|PUK码|IVR|SP业务|鉴权"
        ),
        {"jargon_bare", "jargon_explained"},
    ),
    ("correction", R(r"更正|纠正|说错|看错|有误|不准确|不对|欠缺"), {"correction_apology", "correction_bare"}),
    (
        "hold",
        R(r"稍等|稍候|等一下|等一会|等等|等我|等会儿|查一下|查询|核实|查看|看一下|看看|看下|调取"),
        {
            "hold_ok",
            "hold_no_consent",
            "hold_no_reason",
            "hold_bare",
            "hold_update",
            "chat_hold_ok",
            "chat_hold_no_consent",
            "resume_callback",
            "xfer_ok",
            "chat_xfer_ok",
            "xfer_bare",
            "xfer_no_consent",
        },
    ),
    (
        "hold_thanks",
        R(r"耐心等|等待|久等|等候|等了|等这么"),
        {"resume_thanks", "resume_apology", "hold_update", "chat_resume_thanks", "wait_apology"},
    ),
    (
        "transfer",
        R(r"转接|转到|转给|转过去|转一下|转至|给您转|转了|转个电话|接到.{0,6}(部|中心|组|专员)|接入"),
        {
            "xfer_ok",
            "xfer_no_consent",
            "xfer_bare",
            "chat_xfer_ok",
            "chat_xfer_bare",
            "xfer_fail_msg",
            "chat_xfer_fail",
            "jargon_bare",
            "jargon_explained",
        },
    ),
    (
        "xfer_fail",
        R(r"不成功|失败|没有人接|无人接听|没人接|线路忙|占线|没转过去|接不进去|繁忙"),
        {"xfer_fail_msg", "chat_xfer_fail"},
    ),
    (
        "ask_more",
        R(r"还有其他|还有什么|还有别的|其他问题|别的问题|其他需要|其他要咨询|其他方面|别的需要"),
        {"ask_more", "chat_ask_more"},
    ),
    (
        "restate",
        R(
            r"您的意思是|您是说|您是想|确认一下|核对一下|您咨询的是|您反映的是|我理解一下|理解得对|对吗|对吧|是吧|是吗|是这样吗|没错吧"
        ),
        {"restate", "readback"},
    ),
    (
        "praise_ack",
        R(r"不客气|不用谢|不用客气|应该的|太客气|很高兴能帮到您|能帮到您就好"),
        {"praise_ack", "chat_praise_ack"},
    ),
    (
        "arrogant",
        R(
            r"不行就是不行|你问我|我问谁|这个态度|找领导|去投诉|有完没完|这么烦|烦不烦|说了很多遍|爱办不办|急什么|正忙着|神仙|就算了|一向都是这样|神经病|有病|无聊不无聊"
        ),
        {"arrogant", "nui_rude"},
    ),
    ("rebuke", R(r"说过了吗|没看清楚|谁让您|谁让你|这还用问|告诉过你|都不知道|明明就是|不看的吗"), {"rebuke"}),
    (
        "command",
        R(r"你听我说|别说了|小声一点|你必须|你等着|快点说|别插嘴|报一遍给我|大声点"),
        {"command", "poor_order", "poor_polite", "poor_polite_again"},
    ),
    (
        "shirk",
        R(r"不归我们管|这是规定|没办法|系统就这样|我不清楚|找商家去|不关我的事|问快递去|我们这边不管|问别人去|改不了"),
        {"shirk"},
    ),
    ("hey", R(r"喂(?!养|食|奶|药|饱)"), {"hey_open", "hey_mid", "silent_prompt_hey"}),
    ("private", R(r"我叫|我姓|微信|QQ|私人号码|我手机号"), {"private"}),
    (
        "silent",
        R(r"接通|请讲|听到|听见|听得到|请说|通着|有人吗"),
        {"silent_prompt", "silent_prompt_hey", "silent_close", "silent_close_nobye", "hey_mid", "offer"},
    ),
    (
        "poor",
        R(r"听不清|听不太清|声音很小|声音有点小|杂音|信号不|断断续续"),
        {"poor_polite", "poor_polite_again", "poor_redial", "poor_order", "poor_nothing", "poor_end"},
    ),
    ("dialect", R(r"听不懂|听不太懂|方言|普通话|没听懂"), {"dia_polite", "dia_family", "dia_fail"}),
    (
        "promise",
        R(
            r"回电|回复您|联系您|与您联系|和您联系|通知您|告知您|告诉您|打给您|打电话|回拨|(会|将|安排).{0,8}上门|来您家|短信通知|用短信|发消息|联系您"
        ),
        PROMISE_SLOTS | {"complaint_untimed", "out_purpose_notify", "out_purpose_survey", "out_purpose_callback"},
    ),
    ("address", R(r"先生|女士|小姐"), {"addr_sur", "addr_gen", "out_confirm_sn", "nui_warn"}),
    ("empathy", R(r"理解您|理解你|心情|感受|着急|受累"), {"empathy", "out_purpose_survey"}),
    (
        "apology",
        R(r"抱歉|对不起|不好意思|见谅|谅解|添麻烦|不便"),
        {
            "wait_apology",
            "empathy",
            "correction_apology",
            "resume_apology",
            "poor_polite",
            "poor_polite_again",
            "poor_end",
            "dia_polite",
            "dia_family",
            "silent_close",
            "drop_apology",
            "xfer_fail_msg",
            "resume_callback",
        },
    ),
    ("nuisance", R(r"文明用语|挂机|挂断|占用热线|没有业务|没有需要办理"), {"nui_warn", "nui_close", "xfer_ok"}),
    ("drop", R(r"断线|中断|掉线|断了"), {"drop_apology", "callback_noapology"}),
    ("holiday", R(r"快乐|安康|新年好|过年好"), {"holiday", "holiday_close"}),
    (
        "thanks",
        R(r"谢谢|感谢|多谢|谢了"),
        {
            "close_full",
            "close_no_bye",
            "chat_close_full",
            "chat_close_no_bye",
            "resume_thanks",
            "chat_resume_thanks",
            "hold_update",
            "nui_close",
            "dia_polite",
            "silent_close",
        },
    ),
    (
        "farewell",
        R(r"再见|拜拜|再会|愉快|欢迎.{0,4}再次来电|随时来电"),
        {
            "close_full",
            "close_no_thanks",
            "chat_close_full",
            "chat_close_no_thanks",
            "nui_close",
            "silent_close",
            "poor_end",
            "id_share",
        },
    ),
    ("own", R(r"顺便|另外我想|还有个问题|还想问|还有个事|想咨询个事"), set()),
]
CUSTOMER_LINT = [
    (
        "praise",
        R(r"谢谢|感谢|多谢|谢了|辛苦|服务真|真周到|帮了大忙|挺好的|不错|真棒|太好了"),
        {"praise", "req_thanks", "cust_bye", "survey_praise", "angry"},
    ),
    (
        "angry",
        R(
            r"凭什么|傻子|受够|推来推去|骗|坑|太差|怎么搞|给个说法|霸道|太黑|冤大头|服了|宰|白交|管不管|管事|谢什么谢|不是来感谢|！|!"
        ),
        {"angry", "complaint", "hangup_mid"},
    ),
    ("complaint", R(r"投诉|举报|反映.{0,4}问题"), {"complaint"}),
    ("surname", R(r"我姓|免贵|姓[\u4e00-\u9fff]，|叫我小|我这边姓"), {"surname_give"}),
    ("own", R(r"顺便|另外我想|还有个问题|还想问|还有个事|想咨询个事"), {"own_business"}),
]
EXPLAIN_RE = R(r"就是|也就是|指的是|意思是|即|简单说|通俗地说|通俗讲")
OFFER_RE = R(
    r"有什么可以|我可以帮您|有什么能|需要办理什么|遇到了什么问题|请讲|您请说|有什么需要|帮到您|帮您做点什么|想咨询什么|需要我帮忙|为您效劳|帮您处理什么|咨询什么业务"
)
GREET_RE = R(r"您好|你好|早上好|上午好|中午好|下午好|晚上好|新年好|过年好|快乐|安康")
ORG_RE = R(r"联合洲际|客服中心|服务中心|客服热线|服务热线|客户服务部|售后服务部|客服部")
ID_RE = R(r"\d{3,6}号|工号|[零一二三四五六七八九幺]{3,6}号")
FILLER_RE = R(r"^(嗯|哦|噢|喽|嘛|啊)")


def lint(call: Call) -> list[str]:
    """Trigger words not accounted for by the slots (each is a potential label error)."""
    errs = []
    for t in call.turns:
        table = AGENT_LINT if t.sp == "agent" else CUSTOMER_LINT
        for s, text in t.pieces:
            for name, rx, allowed in table:
                if rx.search(text) and s not in allowed:
                    errs.append(f"{name}: [{s}] {text}")
        if t.sp == "agent":
            if bool(FILLER_RE.search(t.clean)) != (t.first_slot == "filler"):
                errs.append(f"filler start mismatch: {t.clean}")
            if (
                t.first_slot != "praise_ack"
                and t.first_slot != "chat_praise_ack"
                and re.match(r"(不客气|不用谢|不用客气|应该的|您太客气)", t.clean)
            ):
                errs.append(f"ack start: {t.clean}")
    A = [t for t in call.turns if t.sp == "agent"]
    if not A:
        return errs
    lab = call.labels
    # the opening, read lexically, must agree with the slots
    if bool(GREET_RE.search(A[0].clean)) != (lab["open.greeting"] == "pass"):
        errs.append(f"greeting lexical mismatch: {A[0].clean}")
    if lab["open.self_identify"] != "na":
        lex = bool(ORG_RE.search(A[0].clean)) and bool(ID_RE.search(A[0].clean))
        if lex != (lab["open.self_identify"] == "pass"):
            errs.append(f"self-id lexical mismatch: {A[0].clean}")
    if lab["open.offer_help"] != "na":
        lex = any(OFFER_RE.search(t.clean) for t in A[:2])
        if lex != (lab["open.offer_help"] == "pass"):
            errs.append(f"offer lexical mismatch: {[t.clean for t in A[:2]]}")
    if lab["open.apologize_for_wait"] == "fail" and any(R(r"抱歉|对不起|不好意思|久等").search(t.clean) for t in A[:2]):
        errs.append("apology in the first two turns of a late call planned without one")
    # unexplained jargon: no explanation marker in that turn or the agent's next turn
    for i, t in enumerate(A):
        if t.has("jargon_bare"):
            nxt = A[i + 1].clean if i + 1 < len(A) else ""
            if EXPLAIN_RE.search(t.clean) or EXPLAIN_RE.search(nxt):
                errs.append(f"unexplained jargon near an explanation marker: {t.clean} / {nxt}")
    # a failed correction must have no apology in that turn or the agent's previous turn
    for i, t in enumerate(A):
        if t.has("correction_bare"):
            prev = A[i - 1].clean if i else ""
            if APOLOGY_RE.search(t.clean) or APOLOGY_RE.search(prev):
                errs.append(f"bare correction next to an apology: {prev} / {t.clean}")
    # angry windows: empathy words where the label says there is none (or the reverse)
    T = call.turns
    for i, t in enumerate(T):
        if t.sp == "customer" and t.has("angry"):
            nxt = [u for u in T[i + 1 :] if u.sp == "agent"][:2]
            sem = any(u.has("empathy") for u in nxt)
            lex = any(
                R(r"理解您|理解你|心情|感受|着急|抱歉|对不起|不好意思|添麻烦|不便|受累").search(u.clean) for u in nxt
            )
            if sem != lex and nxt:
                errs.append(f"angry window lexical/semantic mismatch: {[u.clean for u in nxt]}")
    # the last three agent turns: ask-more words only where the label says so
    if lab["close.ask_more_help"] != "na":
        lex = any(
            R(r"还有其他|还有什么|还有别的|其他问题|别的问题|其他需要|其他要咨询|其他方面").search(t.clean)
            for t in A[-3:]
        )
        if lex != (lab["close.ask_more_help"] == "pass"):
            errs.append("ask-more lexical mismatch")
    # holds: thanks for waiting in the resume turn only when the label says so
    for h in call.holds:
        r = h["resume"]
        sem = r.has("resume_thanks", "chat_resume_thanks", "resume_apology")
        text = r.clean if r is not h["announce"] else ""
        lex = bool(R(r"耐心等|等待|久等|等候|等了|等这么").search(text))
        if sem != lex:
            errs.append(f"hold resume lexical mismatch: {r.clean}")
        if r.has("resume_thanks") and lab["hold.max_duration"] == "fail" and APOLOGY_RE.search(r.clean):
            errs.append("max_duration fail but an apology on return")
    # complaints: contact words only in the contact step
    if call.flags.get("complaint"):
        lex = any(
            R(r"联系电话|联系方式|手机号|来电号码|这个号码").search(t.clean) for t in A if not t.has("contact_readback")
        )
        if lex != any(t.has("contact_ask") for t in A):
            errs.append("complaint contact lexical mismatch")
    return errs


# ---- assembling a record --------------------------------------------------------------------

SPLITTABLE = CONTENT_SLOTS | {"restate", "addr_gen", "addr_sur", "jargon_bare", "jargon_explained", "long_explain"}


def chat_style(call: Call):
    """Chat register: 亲 / 哦 / 呢 / ~ on content lines, and some replies sent as two messages."""
    rng = call.rng
    out = []
    for i, t in enumerate(call.turns):
        if t.sp == "agent":
            new = []
            for k, (s, x) in enumerate(t.pieces):
                if s in CONTENT_SLOTS:
                    x = chatify(x, rng, call.P.d.get("chat_endings"))
                    if k == 0 and rng.random() < 0.25:
                        prefixes = call.P.d.get("chat_prefix")
                        x = (rng.choice(prefixes) if prefixes else "亲，") + x
                new.append((s, x))
            t.pieces = new
            prev = call.turns[i - 1] if i else None
            sensitive = prev is not None and prev.sp == "customer" and prev.has("angry", "praise")
            if (
                len(t.pieces) >= 2
                and all(s in SPLITTABLE for s, _ in t.pieces)
                and not sensitive
                and rng.random() < 0.35
            ):
                cut = rng.randrange(1, len(t.pieces))
                if t.pieces[cut - 1][0] in ("addr_gen", "addr_sur"):  # never a message with only "先生"
                    out.append(t)
                    continue
                out.append(Turn("agent", t.pieces[:cut], tags=dict(t.tags)))
                out.append(Turn("agent", t.pieces[cut:]))
                continue
        out.append(t)
    call.turns = out


def finalize(call: Call) -> dict:
    """Text (chat style / ASR), times, events, audio, labels, checks; returns the JSON record."""
    rng = call.rng
    if call.channel == "chat":
        chat_style(call)
    for t in call.turns:
        if t.sp == "agent":
            t.clean = t.clean or join_agent(call, t)
        else:
            t.clean = ""
            for _, x in t.pieces:
                x = x.rstrip("，。")
                if t.clean and t.clean[-1] not in "！？!?~…":
                    t.clean += "，"
                t.clean += x
        t.text = (
            asr(t.clean, rng, t.sp, call.P.d.get("asr_homophones"))
            if (call.asr and call.phone_call and not t.raw)
            else t.clean
        )
    if call.phone_call and call.turns:
        if call.timing:
            plan_overlaps(call)
        for t in call.turns:
            t.clean = t.clean or t.text
        simulate(call)
        if call.has_audio:
            build_audio(call)
    elif call.phone_call:
        simulate(call)
    call.labels = label(call)
    errs = lint(call)
    fails = {k for k, v in call.labels.items() if v == "fail"}
    if fails != call.plan or errs:
        lines = [
            f"{call.call_id} ({call.family}, {call.profile}, {call.channel}/{call.direction})",
            f"  planned-only: {sorted(call.plan - fails)}",
            f"  labelled-only: {sorted(fails - call.plan)}",
        ]
        lines += ["  lint: " + e for e in errs]
        lines += [f"  {t.sp[0]} {t.start:7.2f}-{t.end:7.2f} {sorted(t.slots)} {t.clean}" for t in call.turns]
        lines += [f"  events {call.events}"]
        raise BuildError("\n".join(lines))
    rec: dict = {"call_id": call.call_id, "channel": call.channel, "direction": call.direction}
    if call.started_at:
        rec["started_at"] = call.started_at.isoformat()
    rec["agent_id"] = call.agent_id
    rec["team"] = call.team
    if call.phone_call and call.has_events:
        rec["events"] = call.events
    utts = []
    for t in call.turns:
        u = {"speaker": t.sp, "text": t.text}
        if call.phone_call and call.has_times:
            u["start"], u["end"] = t.start, t.end
        utts.append(u)
    rec["utterances"] = utts
    if call.audio:
        rec["audio"] = call.audio
    if call.meta:
        rec["meta"] = call.meta
    rec["expected"] = call.labels
    return rec


class BuildError(Exception):
    pass


FAMILIES = {
    # name: (function, channel, direction, calls per split before top-ups)
    "inquiry_phone": (fam_inquiry, "phone", "inbound", 24),
    "billing_phone": (fam_billing, "phone", "inbound", 12),
    "refund_phone": (fam_refund, "phone", "inbound", 7),
    "repair_phone": (fam_repair, "phone", "inbound", 12),
    "transfer_phone": (fam_transfer, "phone", "inbound", 12),
    "complaint_phone": (fam_complaint, "phone", "inbound", 8),
    "angry_hangup_phone": (fam_angry_hangup, "phone", "inbound", 4),
    "praise_phone": (fam_praise, "phone", "inbound", 4),
    "silent_phone": (fam_silent, "phone", "inbound", 10),
    "nuisance_phone": (fam_nuisance, "phone", "inbound", 9),
    "poor_line_phone": (fam_poor_line, "phone", "inbound", 10),
    "dialect_phone": (fam_dialect, "phone", "inbound", 9),
    "wrong_number_phone": (fam_wrong_number, "phone", "inbound", 3),
    "dropped_inbound": (fam_dropped_inbound, "phone", "inbound", 4),
    "out_survey": (fam_out_survey, "phone", "outbound", 12),
    "out_notify": (fam_out_notify, "phone", "outbound", 11),
    "out_long": (fam_out_long, "phone", "outbound", 10),
    "out_unanswered": (fam_out_unanswered, "phone", "outbound", 18),
    "out_dropped": (fam_out_dropped, "phone", "outbound", 10),
    "chat_order": (fam_chat_order, "chat", "inbound", 45),
    "chat_inquiry": (fam_inquiry, "chat", "inbound", 24),
    "chat_billing": (fam_billing, "chat", "inbound", 14),
    "chat_complaint": (fam_complaint, "chat", "inbound", 12),
    "chat_transfer": (fam_transfer, "chat", "inbound", 12),
    "chat_praise": (fam_praise, "chat", "inbound", 6),
    "chat_wrong_number": (fam_wrong_number, "chat", "inbound", 2),
}


def make_call(split: str, pools: Pools, n: int, fam: str, want: dict | None = None):
    fn, channel, direction = FAMILIES[fam][:3]
    call = Call(split, pools, f"callqa-corpus-{split}-{n}-{fam}", fam, channel, direction)
    call.call_id = f"{split}-{n:04d}"
    fn(call, dict(want or {}))
    return call


def build_split(split: str, log=print) -> list[dict]:
    pools = Pools(split)
    order = [f for f, spec in FAMILIES.items() for _ in range(spec[3])]
    random.Random(f"order-{split}").shuffle(order)
    records: list[dict] = []
    n = 0

    def emit(fam, want=None):
        nonlocal n
        n += 1
        call = make_call(split, pools, n, fam, want)
        FAMILY_COUNT[split][fam] = FAMILY_COUNT[split].get(fam, 0) + 1
        try:
            records.append(finalize(call))
        except BuildError as e:
            if not KEEP_GOING:
                raise
            ERRORS.append(str(e))
            return
        if call.flags.get("needs_callback"):
            n += 1
            cb = Call(split, pools, f"callqa-corpus-{split}-{n}-callback", "out_callback", "phone", "outbound")
            cb.call_id = f"{split}-{n:04d}"
            fam_out_callback(cb, {}, call)
            FAMILY_COUNT[split]["out_callback"] = FAMILY_COUNT[split].get("out_callback", 0) + 1
            try:
                records.append(finalize(cb))
            except BuildError as e:
                if not KEEP_GOING:
                    raise
                ERRORS.append(str(e))

    for fam in order:
        emit(fam)
    # top-ups: make sure every checkpoint has enough passes and fails in this split
    for _round in range(6):
        need = shortfalls(records)
        if not need:
            break
        for ck, outcome, k in need:
            for j in range(k):
                fam, want = TOPUP[ck](outcome)
                if ck in CHAT_ALT and j % 2 == 1:
                    fam, extra = CHAT_ALT[ck]
                    want = {**want, **extra}
                    want.pop("profile", None)
                emit(fam, want)
    log(f"{split}: {len(records)} generated calls")
    return records


def shortfalls(records: list[dict]) -> list[tuple[str, str, int]]:
    out = []
    for ck in CHECKPOINTS:
        for outcome in ("pass", "fail"):
            have = sum(1 for r in records if r["expected"][ck] == outcome)
            if have < MIN_EACH:
                out.append((ck, outcome, MIN_EACH - have))
    return out


def _t(fam, **want):
    return fam, want


def _force(ck, outcome, **extra):
    return {"force": {ck}} if outcome == "fail" else {"force_pass": {ck}} | extra


TOPUP = {
    "open.answer_promptly": lambda o: _t("inquiry_phone", profile="full", **_force("open.answer_promptly", o)),
    "open.apologize_for_wait": lambda o: _t(
        "inquiry_phone",
        profile="full",
        **(
            {"force": {"open.answer_promptly", "open.apologize_for_wait"}}
            if o == "fail"
            else {"force": {"open.answer_promptly"}, "force_pass": {"open.apologize_for_wait"}}
        ),
    ),
    "open.greeting": lambda o: _t("inquiry_phone", **_force("open.greeting", o)),
    "open.self_identify": lambda o: _t("inquiry_phone", **_force("open.self_identify", o)),
    "open.offer_help": lambda o: _t("inquiry_phone", **_force("open.offer_help", o)),
    "open.dead_air_at_start": lambda o: _t("inquiry_phone", profile="full", **_force("open.dead_air_at_start", o)),
    "talk.address_customer": lambda o: _t("inquiry_phone", **_force("talk.address_customer", o)),
    "talk.confirm_understanding": lambda o: _t("inquiry_phone", **_force("talk.confirm_understanding", o)),
    "talk.no_interrupt": lambda o: _t("inquiry_phone", profile="full", **_force("talk.no_interrupt", o)),
    "talk.no_filler": lambda o: _t("inquiry_phone", **_force("talk.no_filler", o)),
    "talk.speech_rate": lambda o: _t("inquiry_phone", profile="full", **_force("talk.speech_rate", o)),
    "talk.volume": lambda o: _t("inquiry_phone", profile="full_audio", **_force("talk.volume", o)),
    "talk.no_jargon": lambda o: _t("repair_phone", occ={"jargon": True}, **_force("talk.no_jargon", o)),
    "talk.correct_with_apology": lambda o: _t(
        "billing_phone", occ={"correction": True}, **_force("talk.correct_with_apology", o)
    ),
    "talk.praise_response": lambda o: _t("praise_phone", **_force("talk.praise_response", o)),
    "hold.ask_permission": lambda o: _t("repair_phone", **_force("hold.ask_permission", o)),
    "hold.thank_after": lambda o: _t("repair_phone", **_force("hold.thank_after", o)),
    "hold.update_interval": lambda o: _t("repair_phone", profile="full", **_force("hold.update_interval", o)),
    "hold.max_duration": lambda o: _t(
        "repair_phone", profile="full", occ={"hold": "pbx"}, **_force("hold.max_duration", o)
    ),
    "hold.no_dead_air": lambda o: _t("inquiry_phone", profile="full", **_force("hold.no_dead_air", o)),
    "transfer.explain_and_consent": lambda o: _t("transfer_phone", **_force("transfer.explain_and_consent", o)),
    "transfer.failed_fallback": lambda o: _t(
        "transfer_phone", occ={"transfer": "fail"}, **_force("transfer.failed_fallback", o)
    ),
    "close.ask_more_help": lambda o: _t("inquiry_phone", **_force("close.ask_more_help", o)),
    "close.thanks_goodbye": lambda o: _t("inquiry_phone", **_force("close.thanks_goodbye", o)),
    "close.customer_hangs_up_first": lambda o: _t(
        "inquiry_phone", profile="full", **_force("close.customer_hangs_up_first", o)
    ),
    "forbidden.arrogant": lambda o: _t("billing_phone", **_force("forbidden.arrogant", o)),
    "forbidden.rebuke": lambda o: _t("inquiry_phone", **_force("forbidden.rebuke", o)),
    "forbidden.command": lambda o: _t("inquiry_phone", **_force("forbidden.command", o)),
    "forbidden.shirk": lambda o: _t("refund_phone", **_force("forbidden.shirk", o)),
    "forbidden.hey": lambda o: _t("inquiry_phone", **_force("forbidden.hey", o)),
    "forbidden.private_info": lambda o: _t("inquiry_phone", **_force("forbidden.private_info", o)),
    "special.silent_call": lambda o: _t("silent_phone", **_force("special.silent_call", o)),
    "special.poor_line": lambda o: _t("poor_line_phone", **_force("special.poor_line", o)),
    "special.dialect": lambda o: _t("dialect_phone", **_force("special.dialect", o)),
    "special.angry_customer": lambda o: _t("billing_phone", occ={"angry": True}, **_force("special.angry_customer", o)),
    "special.complaint_followup": lambda o: _t("complaint_phone", **_force("special.complaint_followup", o)),
    "special.callback_commitment": lambda o: _t(
        "repair_phone", occ={"promise": True}, **_force("special.callback_commitment", o)
    ),
    "special.nuisance_call": lambda o: _t("nuisance_phone", **_force("special.nuisance_call", o)),
    "special.dropped_call_callback": lambda o: _t("out_dropped", **_force("special.dropped_call_callback", o)),
    "out.identify_and_purpose": lambda o: _t("out_notify", **_force("out.identify_and_purpose", o)),
    "out.call_window": lambda o: _t("out_survey", **_force("out.call_window", o)),
    "out.duration": lambda o: _t("out_long", occ={"own": o == "pass"}),
    "out.ring_patience": lambda o: _t("out_unanswered", **_force("out.ring_patience", o)),
    "bonus.holiday_greeting": lambda o: _t(
        "inquiry_phone", holiday=True, started_at=True, **_force("bonus.holiday_greeting", o)
    ),
}


CHAT_ALT = {  # chat families that can stand in for a phone top-up
    "open.greeting": ("chat_inquiry", {}),
    "open.offer_help": ("chat_inquiry", {}),
    "talk.confirm_understanding": ("chat_inquiry", {}),
    "talk.no_jargon": ("chat_order", {"occ": {"jargon": True}}),
    "talk.correct_with_apology": ("chat_billing", {"occ": {"correction": True}}),
    "talk.praise_response": ("chat_praise", {}),
    "hold.ask_permission": ("chat_order", {"occ": {"hold": "spoken"}}),
    "hold.thank_after": ("chat_order", {"occ": {"hold": "spoken"}}),
    "transfer.explain_and_consent": ("chat_transfer", {}),
    "transfer.failed_fallback": ("chat_transfer", {"occ": {"transfer": "fail"}}),
    "close.ask_more_help": ("chat_inquiry", {}),
    "close.thanks_goodbye": ("chat_inquiry", {}),
    "forbidden.arrogant": ("chat_billing", {}),
    "forbidden.rebuke": ("chat_inquiry", {}),
    "forbidden.command": ("chat_inquiry", {}),
    "forbidden.shirk": ("chat_order", {}),
    "forbidden.private_info": ("chat_inquiry", {}),
    "special.angry_customer": ("chat_billing", {"occ": {"angry": True}}),
    "special.complaint_followup": ("chat_complaint", {}),
    "special.callback_commitment": ("chat_order", {"occ": {"promise": True}}),
    "bonus.holiday_greeting": ("chat_inquiry", {}),
}


def load_handwritten(split: str) -> list[dict]:
    p = HERE / "handwritten" / f"{split}.jsonl"
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text("utf-8").splitlines() if line.strip()]


KEEP_GOING = "--keep-going" in sys.argv  # development aid: report every inconsistent call
FAMILY_COUNT: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
ERRORS: list[str] = []


def main(argv=None) -> int:
    for split in SPLITS:
        recs = build_split(split)
        hand = load_handwritten(split)
        out = HERE / f"{split}.jsonl"
        with out.open("w", encoding="utf-8", newline="\n") as f:
            for r in recs + hand:
                f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")
        print(f"wrote {out.relative_to(HERE.parent)}: {len(recs)} generated + {len(hand)} hand-written")
    if "--families" in sys.argv:
        for fam in sorted(set().union(*(FAMILY_COUNT[s] for s in SPLITS))):
            print(f"| `{fam}` | " + " | ".join(str(FAMILY_COUNT[s].get(fam, 0)) for s in SPLITS) + " |")
    if ERRORS:
        print(f"{len(ERRORS)} inconsistent calls", file=sys.stderr)
        for e in ERRORS:
            print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
