"""Words centres use for the two roles in exports, mapped to `agent` / `customer`."""

from __future__ import annotations

AGENT_WORDS = ("坐席", "客服", "话务员", "座席", "人工客服", "agent", "a", "staff", "waiter")
CUSTOMER_WORDS = ("客户", "用户", "来电人", "顾客", "访客", "customer", "b", "caller", "user")

_ROLE = {w: "agent" for w in AGENT_WORDS} | {w: "customer" for w in CUSTOMER_WORDS}


def role_of(word: str, overrides: dict[str, str] | None = None) -> str | None:
    """`agent`, `customer`, or None when the word names neither."""
    key = word.strip().lower()
    if overrides and key in overrides:
        return overrides[key]
    return _ROLE.get(key)
