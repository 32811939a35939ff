"""Conditions: operators combined with all / any / not, evaluated inside a scope.

A condition in YAML is a mapping with exactly one *body* key — `all`, `any`, `not`, `ref`
or an operator name — and optional *scope* keys that narrow where the body looks:

    role: agent                         only this speaker's turns
    first: 2 / last: 3                  the first / last N turns (after `role`)
    after: {turns: 1, role: agent}      turns after the anchor (a `when` hit, or `of:`)
    before: {turns: 1, role: agent, include_anchor: true}

`after`/`before` take `seconds: S` (only turns starting within S seconds), `from: end`
(count from where an episode such as a hold ends), `min_seconds: S` (only turns starting
at least S seconds later), and `of: <condition>` with `for: each|any` to relate two
conditions ("within 2 agent turns after EVERY angry utterance"). Time limits are ignored
for transcripts without times.

`keep: <condition>` / `drop: <condition>` filter the body's hits one by one: the condition
is judged in the hit's own turn with the hit as anchor, so it can look before or after it
("praise, unless the agent had just said goodbye").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from callqa.standard.context import CallContext
from callqa.standard.hits import FALSE, UNKNOWN, Hit, Match, Region, Scope
from callqa.standard.variables import Variables
from callqa.standard.yamlio import LineDict, StandardError, fail

SCOPE_KEYS = ("role", "first", "last", "after", "before")
FILTER_KEYS = ("keep", "drop")  # per-hit filters: a condition judged around each hit
COMBINATORS = ("all", "any", "not", "ref")


class Condition(ABC):
    signals: frozenset[str] = frozenset()

    @abstractmethod
    def evaluate(self, ctx: CallContext, scope: Scope) -> Match: ...


class All(Condition):
    def __init__(self, children: list[Condition]) -> None:
        self.children = children
        self.signals = frozenset().union(*(c.signals for c in children))

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        hits: list[Hit] = []
        unknown = False
        for child in self.children:
            m = child.evaluate(ctx, scope)
            if m.ok is False:
                return Match(False, near=m.near)
            if m.ok is None:
                unknown = True
            hits.extend(m.hits)
        return UNKNOWN if unknown else Match(True, hits)


class Any_(Condition):
    def __init__(self, children: list[Condition]) -> None:
        self.children = children
        self.signals = frozenset().union(*(c.signals for c in children))

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        hits: list[Hit] = []
        ok: bool | None = False
        near = 0.0
        for child in self.children:
            m = child.evaluate(ctx, scope)
            if m.ok:
                ok = True
                hits.extend(m.hits)
                if not scope.need_all:
                    break
            elif m.ok is None and ok is False:
                ok = None
            near = max(near, m.near)
        return Match(ok, hits, near)


class Not(Condition):
    def __init__(self, child: Condition) -> None:
        self.child = child
        self.signals = child.signals

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        m = self.child.evaluate(ctx, scope)
        if m.ok is None:
            return UNKNOWN
        return Match(not m.ok, [], near=max((h.confidence for h in m.hits), default=0.0))


class Ref(Condition):
    """A named condition from the standard's `conditions:` section."""

    def __init__(self, name: str, target: Callable[[], Condition]) -> None:
        self.name = name
        self._target = target

    @property
    def signals(self) -> frozenset[str]:  # type: ignore[override]
        return self._target().signals

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        # Keyed by the scope object (kept alive in the memo, so its id is not reused): named
        # conditions are mostly evaluated on the call's one `whole` scope.
        key = (self.name, id(scope))
        cached = ctx.memo.get(key)
        if cached is None or cached[0] is not scope:
            cached = (scope, self._target().evaluate(ctx, scope))
            ctx.memo[key] = cached
        return cached[1]


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    turns: int | None = None
    seconds: float | None = None
    min_seconds: float | None = None
    role: str | None = None
    from_: str = "start"  # "end": count from where the anchor's episode ends
    include_anchor: bool = False
    of: Any = None
    for_: str = "any"


class Scoped(Condition):
    """A body evaluated in a narrowed scope."""

    def __init__(self, body: Condition, role: str | None, first: int | None, last: int | None,
                 after: Window | None, before: Window | None,
                 of: Condition | None) -> None:
        self.body, self.role, self.first, self.last = body, role, first, last
        self.after, self.before, self.of = after, before, of
        self.signals = body.signals | (of.signals if of else frozenset())

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        window = self.after or self.before
        if window is None or window.of is None:
            narrowed = self.narrow(ctx, scope, scope.anchor)
            return UNKNOWN if narrowed is None else self.body.evaluate(ctx, narrowed)
        # A relation: the body must hold in the window of each (or any) hit of `of`.
        anchors = self.of.evaluate(ctx, replace(scope, need_all=True))  # type: ignore[union-attr]
        if not anchors.ok:
            return anchors if anchors.ok is None else FALSE
        hits: list[Hit] = []
        results = []
        for anchor in anchors.hits:
            narrowed = self.narrow(ctx, scope, anchor)
            m = UNKNOWN if narrowed is None else self.body.evaluate(ctx, narrowed)
            results.append(m.ok)
            hits.extend(m.hits)
        if window.for_ == "each":
            ok = False if False in results else (None if None in results else True)
        else:
            ok = True if True in results else (None if None in results else False)
        return Match(ok, hits if ok else [])

    def narrow(self, ctx: CallContext, scope: Scope, anchor: Hit | None) -> Scope | None:
        """The scope this node's keys describe; None when it cannot be placed (no times)."""
        regions: Sequence[Region]
        if self.after is not None or self.before is not None:
            found = _window(ctx, anchor, self.after or self.before, self.after is not None)
            if found is None:
                return None
            regions = self._of_role(ctx, found)
        elif self.role and scope.regions is ctx.whole.regions:
            regions = ctx.turns_of(self.role)  # the common case, cached per call
        else:
            regions = self._of_role(ctx, scope.regions)
        if self.first is not None or self.last is not None:
            utts = sorted({r.utt for r in regions})
            keep = set(utts[: self.first] if self.first is not None else utts[-self.last :])
            regions = [r for r in regions if r.utt in keep]
        return Scope(tuple(regions), scope.t0, scope.t1, anchor, scope.need_all)

    def _of_role(self, ctx: CallContext, regions: Sequence[Region]) -> Sequence[Region]:
        if not self.role:
            return regions
        roles = ctx.roles
        return [r for r in regions if roles[r.utt] == self.role]


def _window(ctx: CallContext, anchor: Hit | None, w: Window, forward: bool) -> list[Region] | None:
    """Turns after/before an anchor, optionally only one role's, within N turns/S seconds."""
    utterances = ctx.call.utterances
    if anchor is None:
        return None
    if forward:
        use_end = w.from_ == "end" and anchor.utt_end is not None
        utt = anchor.utt_end if use_end else anchor.utt
        offset = anchor.end_offset if use_end else anchor.end
        t = anchor.t_end if w.from_ == "end" and anchor.t_end is not None else anchor.t
    else:
        utt, offset, t = anchor.utt, anchor.start, anchor.t
    if t is None and utt is not None:  # a text hit: its turn's start time, when known
        t = utterances[utt].start
    regions: list[Region] = []
    if utt is None:  # an anchor in time only (an event): place it among timed turns
        if t is None or not all(u.start is not None for u in utterances):
            return None
        later = [i for i, u in enumerate(utterances) if (u.start >= t) == forward]  # type: ignore[operator]
        candidates = later if forward else list(reversed(later))
    else:
        own = (Region(utt, offset) if forward else Region(utt, 0, offset))
        if w.include_anchor:
            own = Region(utt)
        if w.role is None or ctx.speaker(utt) == w.role:
            regions.append(own)
        rng = range(utt + 1, ctx.size) if forward else range(utt - 1, -1, -1)
        candidates = list(rng)
    count = 0
    for i in candidates:
        if w.role is not None and ctx.speaker(i) != w.role:
            continue
        if w.turns is not None and count >= w.turns:
            break
        start = utterances[i].start
        if t is not None and start is not None:
            if w.seconds is not None and abs(start - t) > w.seconds:
                break
            if w.min_seconds is not None and abs(start - t) < w.min_seconds:
                continue
        regions.append(Region(i))
        count += 1
    regions.sort(key=lambda r: r.utt)
    return regions


class Filtered(Condition):
    """Keep (or drop) each hit of the body depending on a condition judged around it."""

    def __init__(self, body: Condition, keep: Condition | None, drop: Condition | None) -> None:
        self.body, self.keep, self.drop = body, keep, drop
        self.signals = body.signals | frozenset().union(
            *(c.signals for c in (keep, drop) if c is not None))

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        m = self.body.evaluate(ctx, scope)
        if not m.ok:
            return m
        hits = [h for h in m.hits if self._wanted(ctx, scope, h)]
        return Match(bool(hits), hits, m.near)

    def _wanted(self, ctx: CallContext, scope: Scope, hit: Hit) -> bool:
        regions = (Region(hit.utt),) if hit.utt is not None else scope.regions
        around = Scope(regions, scope.t0, scope.t1, hit, need_all=False)
        if self.keep is not None and not self.keep.evaluate(ctx, around).ok:
            return False
        return not (self.drop is not None and self.drop.evaluate(ctx, around).ok)


# -- operators ---------------------------------------------------------------------------
class Operator(Condition):
    """A rule-vocabulary word. Subclasses set `name`, `signals`, `Params` and `evaluate`."""

    name: ClassVar[str]
    doc: ClassVar[str] = ""
    shorthand: ClassVar[str | None] = None  # the parameter a bare (non-mapping) value fills

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def __init__(self, params: Any, compiler: Compiler, node: Any) -> None:
        self.params = params


OPERATORS: dict[str, type[Operator]] = {}


def operator(cls: type[Operator]) -> type[Operator]:
    """Register an operator class under its `name`."""
    OPERATORS[cls.name] = cls
    return cls


# -- compiling YAML into conditions -------------------------------------------------------
class Compiler:
    def __init__(self, lexicon, variables: Variables, named: dict[str, Any]) -> None:
        self.lexicon = lexicon
        self.variables = variables
        self.named_raw = named
        self.named: dict[str, Condition] = {}
        self._compiling: set[str] = set()

    def named_condition(self, name: str) -> Condition:
        if name not in self.named:
            self._compiling.add(name)
            self.named[name] = self.condition(self.named_raw[name], f"conditions.{name}")
            self._compiling.discard(name)
        return self.named[name]

    def condition(self, raw: Any, field: str) -> Condition:
        if not isinstance(raw, dict) or not raw:
            raise fail(raw, field, "a condition must be a mapping such as {phrases: [...]}")
        scope = {k: raw[k] for k in SCOPE_KEYS if k in raw}
        filters = {k: self.condition(raw[k], f"{field}.{k}") for k in FILTER_KEYS if k in raw}
        bodies = [k for k in raw if k not in SCOPE_KEYS and k not in FILTER_KEYS]
        if len(bodies) != 1:
            found = ", ".join(bodies) or "none"
            raise fail(raw, field, f"a condition needs exactly one of all/any/not/ref or an "
                       f"operator; found: {found}")
        key = bodies[0]
        body = self._body(key, raw[key], raw, f"{field}.{key}")
        if filters:
            body = Filtered(body, filters.get("keep"), filters.get("drop"))
        if not scope:
            return body
        return self._scoped(body, scope, raw, field)

    def _body(self, key: str, value: Any, node: Any, field: str) -> Condition:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise fail(node, field, f"`{key}` takes a non-empty list of conditions", key)
            children = [self.condition(v, f"{field}[{i}]") for i, v in enumerate(value)]
            return All(children) if key == "all" else Any_(children)
        if key == "not":
            return Not(self.condition(value, field))
        if key == "ref":
            if value not in self.named_raw:
                known = ", ".join(sorted(self.named_raw)) or "none defined"
                raise fail(node, field, f"unknown condition {value!r} (known: {known})", key)
            if value in self._compiling:
                raise fail(node, field, f"condition {value!r} refers to itself", key)
            self.named_condition(value)  # compile now so errors surface at load time
            return Ref(value, lambda: self.named[value])
        if key not in OPERATORS:
            raise fail(node, field, f"unknown operator {key!r}; known: "
                       f"{', '.join(sorted(OPERATORS))}, all, any, not, ref", key)
        return self.operator(OPERATORS[key], value, node, field)

    def operator(self, cls: type[Operator], value: Any, node: Any, field: str) -> Operator:
        if not isinstance(value, dict):
            if cls.shorthand is None:
                raise fail(node, field, f"`{cls.name}` takes a mapping of parameters", cls.name)
            value = {cls.shorthand: value}
        at = value if isinstance(value, LineDict) else node
        resolved = {k: self.variables.resolve(v, at, f"{field}.{k}") for k, v in value.items()}
        try:
            params = cls.Params.model_validate(resolved)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            message = "unknown parameter" if err["type"] == "extra_forbidden" else err["msg"]
            key = str(err["loc"][0]) if err["loc"] else None
            raise fail(at, f"{field}.{loc}" if loc else field, message, key) from None
        try:
            return cls(params, self, at)
        except (ValueError, TypeError) as exc:
            if isinstance(exc, StandardError):
                raise
            raise fail(at, field, str(exc)) from None

    def _scoped(self, body: Condition, scope: dict, node: Any, field: str) -> Scoped:
        role = scope.get("role")
        if role not in (None, "agent", "customer"):
            raise fail(node, f"{field}.role", "must be agent or customer", "role")
        counts = {}
        for key in ("first", "last"):
            value = scope.get(key)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise fail(node, f"{field}.{key}", "must be a positive number of turns", key)
            counts[key] = value
        windows: dict[str, Window | None] = {"after": None, "before": None}
        of = None
        for key in ("after", "before"):
            if key not in scope:
                continue
            raw = scope[key]
            if not isinstance(raw, dict):
                raise fail(node, f"{field}.{key}", "takes a mapping: {turns: N, role: agent}", key)
            data = {("from_" if k == "from" else "for_" if k == "for" else k): v
                    for k, v in raw.items()}
            try:
                windows[key] = Window.model_validate(data)
            except ValidationError as exc:
                err = exc.errors()[0]
                raise fail(raw, f"{field}.{key}.{err['loc'][0]}", err["msg"]) from None
            w = windows[key]
            assert w is not None
            if w.from_ not in ("start", "end") or w.for_ not in ("each", "any"):
                raise fail(raw, f"{field}.{key}", "`from` is start|end and `for` is each|any")
            if w.of is not None:
                of = self.condition(w.of, f"{field}.{key}.of")
        if windows["after"] and windows["before"]:
            raise fail(node, field, "use either `after` or `before`, not both")
        return Scoped(body, role, counts["first"], counts["last"], windows["after"],
                      windows["before"], of)
