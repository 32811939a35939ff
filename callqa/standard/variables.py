"""Standard variables: `{company}`, `{hold_max}` … set at the top of a standard, overridable.

A string that is exactly `{name}` becomes the variable's value, whatever its type (a list of
phrases stays a list). Inside a longer string, a list variable becomes a regex alternation
`(?:a|b)` of its escaped items when `regex=True`, else its items joined by 、. Braces that do
not hold an identifier (`\\d{3,6}`) are left alone.
"""

from __future__ import annotations

import re
from typing import Any

from callqa.standard.yamlio import LineDict, LineList, fail

_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Variables:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.used: set[str] = set()

    def resolve(self, value: Any, node: Any, field: str, regex: bool = False) -> Any:
        """`value` with every variable reference replaced (recursively)."""
        if isinstance(value, str):
            return self._string(value, node, field, regex)
        if isinstance(value, list):
            out: list[Any] = []
            for i, item in enumerate(value):
                resolved = self.resolve(item, node, f"{field}[{i}]", regex)
                # A whole-list variable inside a list is spliced in: [你好, "{greetings}"].
                if isinstance(item, str) and _REF.fullmatch(item) and isinstance(resolved, list):
                    out.extend(resolved)
                else:
                    out.append(resolved)
            return out
        if isinstance(value, dict):
            at = value if isinstance(value, LineDict) else node
            return {k: self.resolve(v, at, f"{field}.{k}", regex or k in ("pattern", "exclude_pattern"))
                    for k, v in value.items()}
        return value

    def _string(self, text: str, node: Any, field: str, regex: bool) -> Any:
        whole = _REF.fullmatch(text)
        if whole:
            return self._lookup(whole.group(1), node, field)

        def sub(m: re.Match[str]) -> str:
            value = self._lookup(m.group(1), node, field)
            if isinstance(value, list):
                items = [str(v) for v in value]
                return "(?:" + "|".join(re.escape(v) for v in items) + ")" if regex else "、".join(items)
            return re.escape(str(value)) if regex else str(value)

        return _REF.sub(sub, text)

    def _lookup(self, name: str, node: Any, field: str) -> Any:
        if name not in self.values:
            known = ", ".join(sorted(self.values)) or "none"
            raise fail(node, field, f"unknown variable {{{name}}} (defined: {known})")
        self.used.add(name)
        return self.values[name]


def plain(value: Any) -> Any:
    """Strip the line-number wrappers (for values handed to pydantic or printed)."""
    if isinstance(value, LineDict | dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, LineList | list):
        return [plain(v) for v in value]
    return value
