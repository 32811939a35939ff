"""Load a standard from YAML: resolve `extends`, check everything, compile conditions.

Errors name the file and line: `centre.yaml:14: checkpoints[3].expect.phrases.any: …`.
A centre's standard usually starts with `extends: default` and then overrides variables,
disables checkpoints (`disable: [id, …]`), re-weights or re-words them (a checkpoint entry
with an existing id replaces only the fields it gives) and adds its own.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import callqa.standard.operators  # noqa: F401  (registers the operators)
from callqa.standard.conditions import All, Compiler, Condition, Not
from callqa.standard.schema import CONDITION_KEYS, Checkpoint, CheckpointSpec, Standard
from callqa.standard.variables import Variables, plain
from callqa.standard.yamlio import LineDict, LineList, StandardError, fail, load_yaml_file, merged
from callqa.text.phrases import Lexicon

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "standards"
TOP_KEYS = ("standard", "extends", "variables", "conditions", "checkpoints", "disable")
HEADER_KEYS = ("id", "version", "name", "description", "base", "pass_mark")


def builtin_path(name: str) -> Path:
    return BUILTIN_DIR / f"{name}.yaml"


def resolve(name_or_path: str | Path) -> Path:
    """A built-in standard's name (`default`) or a file path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    builtin = builtin_path(str(name_or_path))
    if builtin.exists():
        return builtin
    known = ", ".join(sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml")))
    raise StandardError(str(name_or_path), 0, "", f"no such standard file or built-in ({known})")


def load_standard(name_or_path: str | Path = "default", homophones: bool = True,
                  variables: dict[str, Any] | None = None) -> Standard:
    """Load (once per file version and options).

    `variables` override the standard's variables (`callqa check --var hold_max=90`).
    `homophones=False` turns ASR sound-alike matching off everywhere, to measure what it
    brings (`callqa eval --no-homophones`).
    """
    path = resolve(name_or_path)
    mtime = path.stat().st_mtime if path.exists() else 0
    overrides = json.dumps(variables or {}, sort_keys=True, ensure_ascii=False, default=str)
    return _load_cached(str(path.resolve()), mtime, homophones, overrides)


@lru_cache(maxsize=16)
def _load_cached(path: str, _mtime: float, homophones: bool, overrides_json: str) -> Standard:
    raw = _merged_raw(Path(path), ())
    overrides = json.loads(overrides_json)
    if overrides:
        section = _section(raw, "variables", dict)
        unknown = [k for k in overrides if k not in section]
        if unknown:
            raise StandardError(path, section.line, "variables",
                                f"--var {unknown[0]}: no such variable in this standard")
        override = LineDict(overrides)
        override.file, override.line, override.key_lines = "--var", 0, {}
        raw["variables"] = merged(section, override)  # raw is freshly read: ours to change
    return _build(raw, path, homophones)


def _merged_raw(path: Path, chain: tuple[str, ...]) -> LineDict:
    """The file's mapping with everything it extends folded in."""
    if str(path) in chain:
        raise StandardError(str(path), 0, "extends", "standards extend each other in a cycle")
    raw = load_yaml_file(path)
    if not isinstance(raw, LineDict):
        raise StandardError(str(path), 1, "", "a standard is a YAML mapping")
    for key in raw:
        if key not in TOP_KEYS:
            raise fail(raw, key, f"unknown key (expected one of {', '.join(TOP_KEYS)})", key)
    if "extends" not in raw:
        if "disable" in raw:
            raise fail(raw, "disable", "`disable` only makes sense with `extends`", "disable")
        return raw
    parent_name = raw["extends"]
    parent_path = resolve(parent_name) if not str(parent_name).endswith((".yaml", ".yml")) \
        else (path.parent / parent_name)
    if not parent_path.exists():
        raise fail(raw, "extends", f"cannot find {parent_name!r}", "extends")
    base = _merged_raw(parent_path, (*chain, str(path)))
    return _extend(base, raw)


def _section(raw: LineDict, key: str, kind: type) -> Any:
    value = raw.get(key)
    if value is None:
        out = LineDict() if kind is dict else LineList()
        out.file, out.line, out.key_lines = raw.file, raw.line, {}
        return out
    if not isinstance(value, kind):
        raise fail(raw, key, f"must be a {'mapping' if kind is dict else 'list'}", key)
    return value


def _extend(base: LineDict, child: LineDict) -> LineDict:
    out = merged(base, child)
    out.pop("extends", None)
    out.pop("disable", None)
    for key in ("standard", "variables", "conditions"):
        out[key] = merged(_section(base, key, dict), _section(child, key, dict))
    checkpoints: list[Any] = list(_section(base, "checkpoints", list))
    index = {c.get("id"): i for i, c in enumerate(checkpoints) if isinstance(c, dict)}
    for entry in _section(child, "checkpoints", list):
        if not isinstance(entry, LineDict):
            raise fail(child, "checkpoints", "each checkpoint is a mapping", "checkpoints")
        if entry.get("id") in index:
            i = index[entry["id"]]
            checkpoints[i] = merged(checkpoints[i], entry)
        else:
            index[entry.get("id")] = len(checkpoints)
            checkpoints.append(entry)
    for checkpoint_id in _section(child, "disable", list):
        if checkpoint_id not in index:
            raise fail(child, "disable", f"no checkpoint {checkpoint_id!r} to disable", "disable")
        i = index[checkpoint_id]
        off = LineDict({"enabled": False})
        off.file, off.line = child.file, child.key_lines.get("disable", child.line)
        off.key_lines = {"enabled": off.line}
        checkpoints[i] = merged(checkpoints[i], off)
    seq = LineList(checkpoints)
    seq.file, seq.line = child.file, child.line
    out["checkpoints"] = seq
    return out


def _build(raw: LineDict, source: str, homophones: bool = True) -> Standard:
    header = _section(raw, "standard", dict)
    for key in header:
        if key not in HEADER_KEYS:
            raise fail(header, f"standard.{key}", "unknown key", key)
    if "id" not in header:
        raise fail(raw, "standard.id", "a standard needs an id", "standard")
    variables = Variables(plain(_section(raw, "variables", dict)))
    named = _section(raw, "conditions", dict)
    lexicon = Lexicon(homophones=homophones)
    compiler = Compiler(lexicon, variables, named)
    for name in named:
        compiler.named_condition(name)
    checkpoints = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(_section(raw, "checkpoints", list)):
        field = f"checkpoints[{i}]"
        if not isinstance(entry, LineDict):
            raise fail(raw, field, "each checkpoint is a mapping", "checkpoints")
        checkpoint = _checkpoint(entry, field, compiler)
        if checkpoint.id in seen:
            raise fail(entry, f"{field}.id", f"duplicate id (also checkpoints[{seen[checkpoint.id]}])",
                       "id")
        seen[checkpoint.id] = i
        checkpoints.append(checkpoint)
    lexicon.compile()
    return Standard(
        id=str(header["id"]), version=str(header.get("version", "1")),
        name=str(header.get("name", header["id"])), base=float(header.get("base", 100)),
        pass_mark=float(header.get("pass_mark", 80)), variables=variables.values,
        checkpoints=checkpoints, lexicon=lexicon, source=source,
        description=str(header.get("description", "")), named=compiler.named,
    )


def _checkpoint(entry: LineDict, field: str, compiler: Compiler) -> Checkpoint:
    plain_fields = {k: plain(v) for k, v in entry.items() if k not in CONDITION_KEYS}
    # Texts may use variables: 您好，{company}客服中心…
    for key in ("message", "fix", "docs", "name"):
        if isinstance(plain_fields.get(key), str):
            plain_fields[key] = compiler.variables.resolve(plain_fields[key], entry, f"{field}.{key}")
    try:
        spec = CheckpointSpec.model_validate(plain_fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        raise fail(entry, f"{field}.{loc}", message, str(err["loc"][0])) from None
    field = f"{field}({spec.id})"
    conditions = {k: compiler.condition(entry[k], f"{field}.{k}") for k in CONDITION_KEYS
                  if entry.get(k) is not None}
    if "expect" not in conditions and "forbid" not in conditions:
        raise fail(entry, field, "a checkpoint needs `expect` (what must happen) or `forbid` "
                   "(what must not)")
    checkpoint = Checkpoint(spec, line=entry.line, **conditions)
    _check_reachable(checkpoint, entry, field)
    return checkpoint


_CHAT_LACKS = {"time": "times", "events": "call events", "audio": "a recording"}


def _check_reachable(checkpoint: Checkpoint, entry: LineDict, field: str) -> None:
    """Refuse checkpoints that can never be decided or can never pass/fail."""
    spec = checkpoint.spec
    if spec.applies.channel == ["chat"]:
        needs = {"time", "events", "audio"} & (
            (checkpoint.expect.signals if checkpoint.expect else frozenset())
            | (checkpoint.forbid.signals if checkpoint.forbid else frozenset()))
        if needs and all(_requires(c, needs) for c in (checkpoint.expect, checkpoint.forbid) if c):
            what = ", ".join(_CHAT_LACKS[s] for s in sorted(needs))
            raise fail(entry, f"{field}.applies", f"unreachable: it applies only to chats, which "
                       f"have no {what}", "applies")
    for key in CONDITION_KEYS:
        cond = getattr(checkpoint, key)
        if cond is not None and _contradicts(cond):
            raise fail(entry, f"{field}.{key}", "unreachable condition: `all` holds a condition "
                       "and its own negation", key)


def _requires(cond: Condition, signals: set[str]) -> bool:
    return bool(cond.signals & signals) and not (cond.signals - signals - {"meta"})


def _contradicts(cond: Condition) -> bool:
    if isinstance(cond, All):
        plain_children = [c for c in cond.children if not isinstance(c, Not)]
        negated = [c.child for c in cond.children if isinstance(c, Not)]
        if any(n is p or _same(n, p) for n in negated for p in plain_children):
            return True
        return any(_contradicts(c) for c in cond.children)
    return False


def _same(a: Condition, b: Condition) -> bool:
    """Two operator nodes with the same parameters."""
    params = getattr(a, "params", None)
    return type(a) is type(b) and params is not None and params == getattr(b, "params", None)
