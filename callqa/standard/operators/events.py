"""Operators on call events and on the episodes built from them: holds and transfers.

A hold is a PBX hold (hold_start … hold_end) or a spoken one (the agent asks the customer to
wait or announces a lookup); a transfer is a `transfer` event or a spoken transfer notice.
Each episode is one hit whose `utt` is the announcing turn and whose `utt_end`/`t_end` mark
where it ends, so that checkpoints can look "before" (asked consent?) and "after" (thanked?).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from callqa.model import Event
from callqa.standard.conditions import Compiler, Condition, Operator, operator
from callqa.standard.context import CallContext
from callqa.standard.hits import UNKNOWN, Hit, Match, Region, Scope

RESUME_SLACK = 2.0  # an agent turn starting this close to hold_end is the resume
MIN_RESUME_CHARS = 4  # text after 请稍等 in the same chat turn that counts as resuming


@operator
class EventOp(Operator):
    """Events of a type, optionally filtered by `by` (hangup), `ok` (transfer), `target`.
    Unknown when the call has no events at all (the PBX data is missing)."""

    name = "event"
    shorthand = "type"
    signals = frozenset({"events"})

    class Params(Operator.Params):
        type: str
        by: str | None = None
        ok: bool | None = None
        target: str | None = None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        if not ctx.call.events:
            return UNKNOWN
        p = self.params
        hits = [Hit(t=e.t, label=_label(e)) for e in ctx.call.events
                if e.type == p.type and (p.by is None or e.by == p.by)
                and (p.ok is None or e.ok == p.ok) and (p.target is None or e.target == p.target)]
        return Match.of(hits)


def _label(e: Event) -> str:
    extra = {"hangup": f"（{e.by}）" if e.by else "", "transfer": f" → {e.target or '?'}"
             f"{'' if e.ok is None else ('（成功）' if e.ok else '（失败）')}"}.get(e.type, "")
    return f"{e.type} @ {e.t:.1f}s{extra}"


def _optional(compiler: Compiler, raw: Any, field: str) -> Condition | None:
    return compiler.condition(raw, field) if raw is not None else None


@operator
class Hold(Operator):
    """Hold episodes: PBX holds and spoken holds (`spoken`: the condition that finds a turn
    asking to wait). Filters: `longer_than` seconds, `max_gap_over` (the longest stretch
    without the agent speaking during the hold), `resumed` (the agent came back)."""

    name = "hold"
    signals = frozenset({"text", "events"})

    class Params(Operator.Params):
        spoken: Any = None
        continues: Any = None  # text after the hold phrase that still asks to wait (…好吗)
        longer_than: float | None = None
        max_gap_over: float | None = None
        resumed: bool | None = None

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        self.spoken = _optional(compiler, params.spoken, "hold.spoken")
        self.continues = _optional(compiler, params.continues, "hold.continues")

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        key = ("holds", id(self.spoken), id(self.continues))
        if key not in ctx.memo:
            ctx.memo[key] = self._episodes(ctx)
        episodes: list[Hit] | None = ctx.memo[key]
        if episodes is None:
            return UNKNOWN
        p = self.params
        out, unknown = [], False
        for ep in episodes:
            if p.resumed is not None and (ep.utt_end is not None) != p.resumed:
                continue
            if p.longer_than is not None or p.max_gap_over is not None:
                if ep.t is None or ep.t_end is None:
                    unknown = True
                    continue
                if p.longer_than is not None and ep.t_end - ep.t <= p.longer_than:
                    continue
                if p.max_gap_over is not None and _longest_quiet(ctx, ep) <= p.max_gap_over:
                    continue
            out.append(ep)
        if not out and unknown:
            return UNKNOWN
        return Match.of(out)

    def _episodes(self, ctx: CallContext) -> list[Hit] | None:
        spoken_hits: list[Hit] = []
        if self.spoken is not None:
            m = self.spoken.evaluate(ctx, ctx.whole)
            if m.ok is None and not ctx.call.events_of("hold_start"):
                return None
            spoken_hits = m.hits
        hold_turns = {h.utt for h in spoken_hits if h.utt is not None}
        pbx, announced = _pbx_holds(ctx, hold_turns)
        spoken = _spoken_holds(ctx, spoken_hits, announced, self.continues)
        return sorted(pbx + spoken, key=lambda h: (h.utt if h.utt is not None else -1, h.t or 0))


def _agent_turns(ctx: CallContext) -> list[int]:
    return [i for i in range(ctx.size) if ctx.speaker(i) == "agent"]


def _pbx_holds(ctx: CallContext, hold_turns: set[int]) -> tuple[list[Hit], set[int]]:
    """Pair hold_start/hold_end events into episodes, each with its announcing and resuming
    turn found by time; also returns the turns that announced them (not holds of their own)."""
    utterances = ctx.call.utterances
    timed = bool(utterances) and all(u.start is not None for u in utterances)
    transfers = [e.t for e in ctx.call.events if e.type == "transfer"]
    out: list[Hit] = []
    announced: set[int] = set()
    start: Event | None = None
    pairs: list[tuple[float, float | None]] = []
    for e in ctx.call.events:
        if e.type == "hold_start" and start is None:
            start = e
        elif e.type == "hold_end" and start is not None:
            if not any(start.t <= t <= e.t + RESUME_SLACK for t in transfers):  # a transfer wait
                pairs.append((start.t, e.t))
            start = None
    if start is not None:  # never taken off hold before the end
        pairs.append((start.t, None))
    for t0, t1 in pairs:
        if not timed:
            out.append(Hit(None, t=t0, t_end=t1, label=_hold_label(t0, t1)))
            continue
        run = _announcing_run(ctx, t0, hold_turns)
        announced.update(run)
        out.append(_pbx_episode(ctx, t0, t1, run[0] if run else None))
    return out, announced


def _hold_label(t0: float, t1: float | None) -> str:
    return f"保持 {t0:.1f}s–{t1:.1f}s" if t1 is not None else f"保持 {t0:.1f}s 起"


def _announcing_run(ctx: CallContext, t0: float, hold_turns: set[int]) -> list[int]:
    """The agent turns that announced a PBX hold: the last agent turn before it (within
    15 s) and, before that, the agent's hold turns leading up to it (请稍等…正在调取…)."""
    utterances = ctx.call.utterances
    before = [i for i in _agent_turns(ctx) if utterances[i].start < t0]  # type: ignore[operator]
    if not before or t0 - (utterances[before[-1]].end or t0) > 15:
        return []
    run = [before[-1]]
    for i in reversed(before[:-1]):
        if i not in hold_turns:
            break
        run.insert(0, i)
    return run


def _pbx_episode(ctx: CallContext, t0: float, t1: float | None, announce: int | None) -> Hit:
    resume = None
    if t1 is not None:
        resume = next((i for i in _agent_turns(ctx)
                       if ctx.call.utterances[i].start >= t1 - RESUME_SLACK), None)  # type: ignore[operator]
    return Hit(announce, 0, len(ctx.norm[announce].text) if announce is not None else 0,
               t=t0, t_end=t1, label=_hold_label(t0, t1), utt_end=resume)


def _spoken_holds(ctx: CallContext, hits: list[Hit], announced: set[int | None],
                  continues: Condition | None) -> list[Hit]:
    """One episode per run of consecutive agent hold turns; it ends at the next agent words
    (possibly later in the same chat message)."""
    utterances = ctx.call.utterances
    by_utt: dict[int, Hit] = {}
    for h in hits:
        if h.utt is not None and ctx.speaker(h.utt) == "agent" and h.utt not in announced:
            prev = by_utt.get(h.utt)
            by_utt[h.utt] = h if prev is None else replace(prev, end=max(prev.end, h.end))
    agent = _agent_turns(ctx)
    episodes = []
    skip: set[int] = set()
    for utt in sorted(by_utt):
        if utt in skip:
            continue
        hit = by_utt[utt]
        resumed_at = _resumes_in_turn(ctx, utt, hit.end, continues)
        if resumed_at is not None:
            episodes.append(replace(hit, t=utterances[utt].end, t_end=utterances[utt].end,
                                    utt_end=utt, end_offset=resumed_at, label=None))
            continue
        later = [i for i in agent if i > utt]
        resume = None
        for i in later:  # further hold turns (还在帮您查询…) continue the same hold
            if i in by_utt:
                skip.add(i)
                continue
            resume = i
            break
        t0 = utterances[utt].end
        t1 = utterances[resume].start if resume is not None else None
        episodes.append(Hit(utt, hit.start, hit.end, t=t0, t_end=t1, confidence=hit.confidence,
                            utt_end=resume))
    return episodes


_CLAUSE_END = re.compile(r"[,.!?;~:]+")


def _resumes_in_turn(ctx: CallContext, utt: int, after: int, continues: Condition | None) -> int | None:
    """Where the agent resumes within the same turn (请稍等…已经为您取消了), or None.

    The rest of the clause holding the hold phrase still belongs to it (正在为您查询航班余位);
    a later clause with real content that does not itself ask to wait (…好吗) resumes.
    """
    text = ctx.norm[utt].text
    for m in _CLAUSE_END.finditer(text, after):
        start = m.end()
        if _content_chars(text[start:]) < MIN_RESUME_CHARS:
            return None
        if continues is None or not continues.evaluate(ctx, Scope((Region(utt, start),))).ok:
            return start
        # the next clause still asks to wait (请您稍等，我帮您查一下好吗): look further on
    return None


def _content_chars(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum() and ch not in "的了吧呢啊哦呀哈嘛")


def _longest_quiet(ctx: CallContext, ep: Hit) -> float:
    """Longest stretch in a hold without the agent speaking to the customer."""
    t0, t1 = ep.t, ep.t_end
    assert t0 is not None and t1 is not None
    marks = [t0]
    for u in ctx.call.utterances:
        if u.speaker == "agent" and u.start is not None and t0 < u.start < t1:
            marks += [u.start, u.end if u.end is not None else u.start]
    marks.append(t1)
    return max((b - a for a, b in zip(marks[::2], marks[1::2], strict=False)), default=t1 - t0)


@operator
class Transfer(Operator):
    """Transfer episodes: `transfer` events and spoken notices (`spoken`). `outcome:
    failed` keeps transfers that failed (event ok: false, or a `failed` turn after the
    notice; `busy` turns — the other side busy or away — count only after a notice);
    `succeeded` keeps those that connected."""

    name = "transfer"
    signals = frozenset({"text", "events"})

    class Params(Operator.Params):
        spoken: Any = None
        failed: Any = None
        busy: Any = None
        outcome: str = "any"

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        if params.outcome not in ("any", "failed", "succeeded"):
            raise ValueError("outcome is any, failed or succeeded")
        self.spoken = _optional(compiler, params.spoken, "transfer.spoken")
        self.failed = _optional(compiler, params.failed, "transfer.failed")
        self.busy = _optional(compiler, params.busy, "transfer.busy")

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        key = ("transfers", id(self.spoken), id(self.failed), id(self.busy))
        if key not in ctx.memo:
            ctx.memo[key] = self._episodes(ctx)
        episodes = ctx.memo[key]
        if self.params.outcome == "any":
            return Match.of([h for h, _ in episodes])
        want_failed = self.params.outcome == "failed"
        return Match.of([h for h, failed in episodes if failed == want_failed])

    @staticmethod
    def _turns(ctx: CallContext, condition: Condition | None) -> list[Hit]:
        return [h for h in (condition.evaluate(ctx, ctx.whole).hits if condition else []) if h.utt is not None]

    def _episodes(self, ctx: CallContext) -> list[tuple[Hit, bool | None]]:
        """(episode, failed?) per transfer. A failed episode ends where the failure is said
        (`utt_end`), so "after the failure" windows start there."""
        notices = self.spoken.evaluate(ctx, ctx.whole).hits if self.spoken else []
        notice_utts = sorted({h.utt for h in notices if h.utt is not None})
        said = self._turns(ctx, self.failed)
        failures = sorted(said + self._turns(ctx, self.busy), key=lambda h: (h.utt, h.start))
        utterances = ctx.call.utterances
        timed = bool(utterances) and all(u.start is not None for u in utterances)
        out: list[tuple[Hit, bool | None]] = []
        used: set[int] = set()
        for e in ctx.call.events_of("transfer"):
            utt = None
            if timed:
                before = [i for i in notice_utts if utterances[i].start <= e.t]  # type: ignore[operator]
                utt = before[-1] if before else None
            elif notice_utts:
                utt = next((i for i in notice_utts if i not in used), None)
            if utt is not None:
                used.add(utt)
            hit = Hit(utt, 0, len(ctx.norm[utt].text) if utt is not None else 0, t=e.t,
                      t_end=_agent_back(ctx, e.t), label=_label(e))
            failure = _failure_after(utt, failures)
            failed = (not e.ok) if e.ok is not None else (failure is not None)
            out.append((_ending_at(hit, failure) if failed else hit, failed))
        for h in notices:
            if h.utt is not None and h.utt not in used:
                used.add(h.utt)
                t = utterances[h.utt].end
                t_end = _agent_back(ctx, t) if t is not None else None
                failure = _failure_after(h.utt, failures)
                episode = replace(h, t=t, t_end=t_end)
                out.append((_ending_at(episode, failure), _spoken_outcome(ctx, h.utt, failure)))
        for f in said:  # a failure said without a notice before it
            if not any(ep.utt_end == f.utt for ep, failed in out if failed):
                out.append((replace(f, utt_end=f.utt, end_offset=f.end), True))
        return out


def _spoken_outcome(ctx: CallContext, notice: int, failure: Hit | None) -> bool | None:
    """failed? for a transfer known only from what the agent said: failed when a failure
    is said; succeeded when the agent says little more (the call left with the transfer);
    unknown when the agent goes on talking without saying why (a failure worded in a way we
    do not recognise, or a transfer that was only talked about)."""
    if failure is not None:
        return True
    agent_after = sum(1 for u in ctx.call.utterances[notice + 1:] if u.speaker == "agent")
    return False if agent_after <= 1 else None


def _failure_after(utt: int | None, failures: list[Hit]) -> Hit | None:
    """The first failure said after the notice (anywhere, when the notice is unknown)."""
    return next((f for f in failures if utt is None or f.utt > utt), None)  # type: ignore[operator]


def _ending_at(episode: Hit, failure: Hit | None) -> Hit:
    if failure is None:
        return episode
    return replace(episode, utt_end=failure.utt, end_offset=failure.end)


def _agent_back(ctx: CallContext, t: float) -> float | None:
    """When the agent speaks again after a transfer began (None: never, the call left)."""
    return next((u.start for u in ctx.call.utterances if u.speaker == "agent"
                 and u.start is not None and u.start > t + 0.5), None)
