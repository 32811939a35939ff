"""Interchange format v1: one call per line (JSON Lines, also gzip-compressed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import Item, ReadOptions, register
from callqa.ingest.encoding import content_lines
from callqa.model import Call


@register("jsonl", suffixes=(".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"),
          description="interchange format v1, one call per line")
def read_jsonl(path: Path, options: ReadOptions) -> Iterator[Item]:
    for item in content_lines(path, options.encoding):
        if isinstance(item, Problem):
            yield item
            continue
        lineno, line = item
        try:
            yield Call.model_validate_json(line)
        except ValidationError as exc:
            yield problem_from_validation(str(path), lineno, exc)
