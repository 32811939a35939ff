"""The engine: Call × Standard → one outcome per checkpoint → scorecard (result format v1).

One engine serves batch (`check`, `check_many`), live sessions (`session`: utterance by
utterance, for agent assist) and the web console. A live session keeps one growing
`CallContext`, so each utterance is analysed once; its final result equals `check()` on
the whole call (tested).

How a checkpoint is judged:
1. `applies` (channel, direction) does not match → na.
2. `skip` is true → na.
3. `when` unknown → na; false → `otherwise` (na by default, or pass); its hits are the
   *anchors* (e.g. every hold).
4. `forbid` hits → fail with those hits as evidence.
5. `expect` is evaluated once per anchor (or once for the call); a false one → fail with
   the place where it was expected as evidence. `for: any` needs only one anchor to hold.
6. `unless` true → the failures are excused: pass.
Unknown (a missing signal) anywhere it matters → na, never fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from callqa.model import Call, Event, Evidence, Outcome, Result, Utterance
from callqa.standard.conditions import Condition, Scoped
from callqa.standard.context import CallContext
from callqa.standard.hits import Hit, Scope
from callqa.standard.schema import Checkpoint, Standard
from callqa.standard.scoring import scorecard

MISSING_CONFIDENCE = 0.9  # a verdict "expected phrase absent" with no near miss
MAX_EVIDENCE = 5


class Engine:
    def __init__(self, standard: Standard) -> None:
        self.standard = standard
        self.checkpoints = standard.enabled

    # -- batch ------------------------------------------------------------------------------
    def check(self, call: Call) -> Result:
        return self.judge(self.context(call))

    def check_many(self, calls: Iterable[Call]) -> Iterator[Result]:
        """Results in input order, one call at a time (memory stays flat)."""
        for call in calls:
            yield self.check(call)

    def context(self, call: Call) -> CallContext:
        return CallContext(call, self.standard.lexicon)

    # -- live ---------------------------------------------------------------------------------
    def session(self, call: Call) -> Session:
        return Session(self, call)

    # -- judging ------------------------------------------------------------------------------
    def judge(self, ctx: CallContext) -> Result:
        outcomes = [self.outcome(cp, ctx) for cp in self.checkpoints]
        return scorecard(ctx.call, self.standard, outcomes)

    def outcome(self, cp: Checkpoint, ctx: CallContext) -> Outcome:
        spec = cp.spec
        call = ctx.call
        if call.channel not in spec.applies.channel or call.direction not in spec.applies.direction:
            return Outcome(id=spec.id, status="na", confidence=1.0)
        whole = ctx.whole
        if cp.skip is not None and cp.skip.evaluate(ctx, whole).ok:
            return Outcome(id=spec.id, status="na", confidence=1.0)
        anchors: list[Hit | None] = [None]
        anchor_conf = 1.0
        if cp.when is not None:
            m = cp.when.evaluate(ctx, whole)
            if m.ok is None:
                return Outcome(id=spec.id, status="na", confidence=1.0)
            if not m.ok:
                return Outcome(id=spec.id, status=spec.otherwise, confidence=1.0 - m.near * 0.5)
            anchors = list(m.hits) or [None]
            anchor_conf = min((h.confidence for h in m.hits), default=1.0)
        failures: list[Hit] = []
        confidences: list[float] = []
        decided = False
        if cp.forbid is not None:
            m = cp.forbid.evaluate(ctx, whole)
            if m.ok is not None:
                decided = True
                if m.ok:
                    failures += m.hits
                    confidences.append(max((h.confidence for h in m.hits), default=1.0))
                else:
                    confidences.append(1.0 - m.near)
        if cp.expect is not None:
            decided_expect, missing, conf = _expect(cp.expect, ctx, anchors, spec.for_)
            decided = decided or decided_expect
            failures += missing
            if conf is not None:
                confidences.append(conf)
        if not decided:
            return Outcome(id=spec.id, status="na", confidence=1.0)
        if failures and cp.unless is not None and cp.unless.evaluate(ctx, whole).ok:
            failures = []
        confidence = round(min(confidences, default=1.0) * anchor_conf, 3)
        if not failures:
            return Outcome(id=spec.id, status="pass", confidence=max(confidence, 0.5))
        points = -spec.points if spec.severity in ("major", "minor") else None
        return Outcome(
            id=spec.id, status="fail", confidence=max(confidence, 0.5), severity=spec.severity,
            points=points, message=spec.message, evidence=_evidence(ctx, failures), fix=spec.fix,
        )


def _expect(cond: Condition, ctx: CallContext, anchors: list[Hit | None],
            mode: str) -> tuple[bool, list[Hit], float | None]:
    """(decided, where it was missing, confidence) of an `expect` over the anchors."""
    missing: list[Hit] = []
    confidences: list[float] = []
    results: list[bool] = []
    whole = ctx.whole
    for anchor in anchors:
        scope = Scope(whole.regions, anchor=anchor, need_all=False)
        m = cond.evaluate(ctx, scope)
        if m.ok is None:
            continue
        results.append(m.ok)
        if m.ok:
            confidences.append(max((h.confidence for h in m.hits), default=1.0))
        else:
            confidences.append(1.0 - m.near if m.near else MISSING_CONFIDENCE)
            missing.append(_focus(cond, ctx, scope) or anchor or Hit(label="未找到"))
    if not results:
        return False, [], None
    if mode == "any" and any(results):
        missing = []
    return True, missing, min(confidences)


def _focus(cond: Condition, ctx: CallContext, scope: Scope) -> Hit | None:
    """Where an expected thing was missing: the first turn the expectation looked at."""
    if isinstance(cond, Scoped) and (cond.after or cond.before or cond.first or cond.last):
        narrowed = cond.narrow(ctx, scope, scope.anchor)
        if narrowed and narrowed.regions:
            r = narrowed.regions[0]
            return Hit(r.utt, r.lo, min(r.hi, len(ctx.norm[r.utt].text)))
    return None


def _evidence(ctx: CallContext, hits: list[Hit]) -> list[Evidence]:
    out: list[Evidence] = []
    seen = set()
    for h in sorted(hits, key=lambda h: (h.utt if h.utt is not None else -1, h.start, h.t or 0)):
        key = (h.utt, h.start, h.end, h.label)
        if key in seen:
            continue
        seen.add(key)
        if h.utt is not None and h.utt < ctx.size:
            u = ctx.call.utterances[h.utt]
            lo, hi = ctx.norm[h.utt].span(min(h.start, len(ctx.norm[h.utt].text)),
                                          min(h.end, len(ctx.norm[h.utt].text)))
            text = u.text[lo:hi] if hi > lo else u.text
            if h.label:
                text = f"{h.label}：{u.text}"
                lo, hi = 0, len(u.text)
            t = h.t if h.t is not None and h.label else u.start
            out.append(Evidence(utterance=h.utt, span=(lo, hi), t=t, text=text))
        else:
            out.append(Evidence(t=h.t, text=h.label))
        if len(out) >= MAX_EVIDENCE:
            break
    return out


class Session:
    """A call judged while it happens: add utterances and events, read provisional results.

    Checkpoints that depend on how the call ends (closing, hang-up) stay provisional until
    `finish()`; a fail from `forbid` (forbidden language) is final the moment it is said,
    which is what live assist warns about.
    """

    def __init__(self, engine: Engine, call: Call) -> None:
        self.engine = engine
        self.call = call.model_copy(deep=True)
        self.ctx = engine.context(self.call)

    def add_utterance(self, utterance: Utterance) -> list[Outcome]:
        """Append a turn; returns the forbidden-language failures it caused."""
        self.call.utterances.append(utterance)
        self.ctx.extend()
        index = len(self.call.utterances) - 1
        return [o for o in self._forbidden() if o.evidence and
                any(e.utterance == index for e in o.evidence)]

    def add_event(self, event: Event) -> None:
        self.call.events.append(event)
        self.call.events.sort(key=lambda e: e.t)
        self.ctx.memo.clear()
        self.ctx.__dict__.pop("timeline", None)

    def _forbidden(self) -> list[Outcome]:
        out = []
        for cp in self.engine.checkpoints:
            if cp.forbid is not None:
                o = self.engine.outcome(cp, self.ctx)
                if o.status == "fail":
                    out.append(o)
        return out

    def snapshot(self) -> Result:
        """The result if the call ended now."""
        return self.engine.judge(self.ctx)

    def finish(self) -> Result:
        return self.snapshot()
