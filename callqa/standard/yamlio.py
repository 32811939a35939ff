"""YAML loading that remembers line numbers, so errors read `file:line: field: what`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from callqa.errors import CallqaError


class Node:
    """Mixin: where a mapping or list came from."""

    file: str = "?"
    line: int = 0
    key_lines: dict[str, int]
    key_files: dict[str, str]  # only for mappings merged from several files (extends)


class LineDict(dict, Node):
    pass


class LineList(list, Node):
    pass


class StandardError(CallqaError):
    """A standard file is invalid; the message names file, line and field."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file, self.line, self.field = file, line, field
        super().__init__(f"{file}:{line}: {field}: {message}" if field else f"{file}:{line}: {message}")


def where(node: Any, key: str | None = None) -> tuple[str, int]:
    """(file, line) of a node, or of one key inside a mapping node."""
    if isinstance(node, Node):
        if key is not None and isinstance(node, LineDict):
            files = getattr(node, "key_files", {})
            return files.get(key, node.file), node.key_lines.get(key, node.line)
        return node.file, node.line
    return "?", 0


def fail(node: Any, field: str, message: str, key: str | None = None) -> StandardError:
    file, line = where(node, key)
    return StandardError(file, line, field, message)


def load_yaml(text: str, file: str) -> Any:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise StandardError(file, line, "", f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return _build(root, file, loader)
    finally:
        loader.dispose()


def load_yaml_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StandardError(str(path), 0, "", f"cannot read: {exc.strerror}") from None
    return load_yaml(text, str(path))


def _build(node: yaml.Node, file: str, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.file, out.line, out.key_lines = file, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise StandardError(file, key_node.start_mark.line + 1, str(key), "duplicate key")
            out[key] = _build(value_node, file, loader)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LineList(_build(v, file, loader) for v in node.value)
        seq.file, seq.line = file, node.start_mark.line + 1
        return seq
    return loader.construct_object(node, deep=True)


def merged(base: LineDict, override: LineDict) -> LineDict:
    """`base` with `override`'s keys replacing its own, remembering where each key came from."""
    out = LineDict({**base, **override})
    out.file, out.line = override.file, override.line
    out.key_lines = {**base.key_lines, **override.key_lines}
    out.key_files = {**{k: base.file for k in base}, **getattr(base, "key_files", {}),
                     **{k: override.file for k in override}}
    return out
