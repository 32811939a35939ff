"""Lenient parsing of filter query strings (an empty or malformed field is no filter)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from callqa.store.queries import CallFilter


def _text(params: Mapping[str, str], key: str) -> str | None:
    value = (params.get(key) or "").strip()
    return value or None


def _date(params: Mapping[str, str], key: str) -> date | None:
    try:
        return date.fromisoformat(params.get(key) or "")
    except ValueError:
        return None


def _number(params: Mapping[str, str], key: str) -> float | None:
    try:
        return float(params.get(key) or "")
    except ValueError:
        return None


def _int(params: Mapping[str, str], key: str, default: int) -> int:
    try:
        return int(params.get(key) or default)
    except ValueError:
        return default


def call_filter(params: Mapping[str, str]) -> CallFilter:
    status = _text(params, "status")
    return CallFilter(
        date_from=_date(params, "date_from"), date_to=_date(params, "date_to"),
        agent_id=_text(params, "agent"), team=_text(params, "team"), failed=_text(params, "failed"),
        status=status if status in ("pass", "fail") else None,  # type: ignore[arg-type]
        score_min=_number(params, "score_min"), score_max=_number(params, "score_max"),
        channel=_text(params, "channel"), direction=_text(params, "direction"), call_id=_text(params, "q"),
    )


def query_of(f: CallFilter) -> dict[str, str]:
    """The filter as the page's query-string names (the inverse of `call_filter`)."""
    names = {"agent_id": "agent", "call_id": "q"}
    return {names.get(k, k): v for k, v in f.as_query().items()}


def page_number(params: Mapping[str, str]) -> int:
    return max(1, _int(params, "page", 1))


def per_page(params: Mapping[str, str], default: int = 50) -> int:
    return min(max(1, _int(params, "per_page", default)), 500)
