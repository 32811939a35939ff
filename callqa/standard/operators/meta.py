"""Operators on call metadata: local start time, holidays, fields of the call and its meta."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator

from callqa.standard.conditions import Compiler, Operator, operator
from callqa.standard.context import CallContext
from callqa.standard.hits import UNKNOWN, Hit, Match, Scope

DEFAULT_TZ = timezone(timedelta(hours=8))  # a naive started_at is China time
Day = Annotated[str, BeforeValidator(lambda v: v.isoformat() if isinstance(v, date) else v)]


def local_start(ctx: CallContext) -> datetime | None:
    started = ctx.call.started_at
    if started is None:
        return None
    return started.replace(tzinfo=DEFAULT_TZ) if started.tzinfo is None else started


def _clock(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


@operator
class LocalTime(Operator):
    """The call's local start time (the offset in `started_at`; naive means +08:00) falls
    outside every window of `outside: ["07:30-12:30", "14:00-21:00"]`."""

    name = "local_time"
    shorthand = "outside"
    signals = frozenset({"meta"})

    class Params(Operator.Params):
        outside: list[str]

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        try:
            self.windows = [tuple(_clock(x) for x in w.split("-")) for w in params.outside]
        except ValueError:
            raise ValueError("windows look like 07:30-12:30") from None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        start = local_start(ctx)
        if start is None:
            return UNKNOWN
        now = start.time()
        if any(a <= now < b for a, b in self.windows):
            return Match(False)
        return Match(True, [Hit(t=0.0, label=f"开始时间 {start:%H:%M}")])


@operator
class Holiday(Operator):
    """The call's local date is a holiday: `dates` lists days (2026-10-01) or ranges
    (2026-10-01..2026-10-07), optionally as {name: [...]}."""

    name = "holiday"
    shorthand = "dates"
    signals = frozenset({"meta"})

    class Params(Operator.Params):
        dates: list[Day] | dict[str, list[Day]]

    def __init__(self, params: Params, compiler: Compiler, node: Any) -> None:
        super().__init__(params, compiler, node)
        named = params.dates if isinstance(params.dates, dict) else {"": params.dates}
        self.days: dict[date, str] = {}
        try:
            for name, entries in named.items():
                for entry in entries:
                    first, _, last = entry.partition("..")
                    day, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
                    while day <= end:
                        self.days[day] = name
                        day += timedelta(days=1)
        except ValueError as exc:
            raise ValueError(f"dates look like 2026-10-01 or 2026-10-01..2026-10-07 ({exc})") from None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        start = local_start(ctx)
        if start is None:
            return UNKNOWN
        name = self.days.get(start.date())
        if name is None:
            return Match(False)
        return Match(True, [Hit(t=0.0, label=f"{start:%Y-%m-%d} {name}".strip())])


@operator
class Meta(Operator):
    """A field of the call's `meta`: `exists: true/false`, or `equals: value`."""

    name = "meta"
    shorthand = "key"
    signals = frozenset({"meta"})

    class Params(Operator.Params):
        key: str
        equals: Any = None
        exists: bool | None = None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        meta = ctx.call.meta
        present = self.params.key in meta and meta[self.params.key] is not None
        if self.params.exists is not None:
            ok = present == self.params.exists
        elif self.params.equals is not None:
            ok = present and meta[self.params.key] == self.params.equals
        else:
            ok = present
        label = f"meta.{self.params.key} = {meta.get(self.params.key)!r}"
        return Match(ok, [Hit(label=label)] if ok and present else [])


@operator
class CallField(Operator):
    """Fields of the call itself: `channel`, `direction`, `agent_id`, `team`."""

    name = "call"
    signals = frozenset({"meta"})

    class Params(Operator.Params):
        channel: str | None = None
        direction: str | None = None
        agent_id: str | None = None
        team: str | None = None

    def evaluate(self, ctx: CallContext, scope: Scope) -> Match:
        wanted = self.params.model_dump(exclude_none=True)
        ok = all(getattr(ctx.call, k) == v for k, v in wanted.items())
        return Match(ok, [])
