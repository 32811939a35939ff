"""Check a stream of calls, in one process or several, keeping input order.

Calls are read lazily and checked in chunks (the dialog-act and emotion models run once
per chunk), so memory stays flat however large the input. With `jobs > 1` worker processes
(forked, so they share the loaded standard) take whole chunks; interchange JSONL is handed
to them as raw lines, so parsing happens in parallel too.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from pydantic import ValidationError

from callqa.errors import Problem, problem_from_validation
from callqa.ingest import FORMATS, ReadOptions, detect_format, expand, read_calls
from callqa.ingest.encoding import content_lines
from callqa.model import Call, Result
from callqa.standard import Engine

CHUNK = 128
Item = Call | Problem
Out = Result | Problem


@dataclass(frozen=True, slots=True)
class RawLine:
    """One JSONL record not parsed yet (parsed in a worker)."""

    file: str
    line: int
    text: str


def check_items(engine: Engine, items: Iterable[Item | RawLine]) -> Iterator[Out]:
    """Results (and the problems met on the way) in input order, chunk by chunk."""
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        yield from _check_chunk(engine, chunk)


def _check_chunk(engine: Engine, chunk: list[Item | RawLine]) -> list[Out]:
    parsed: list[Item] = [_parse(x) if isinstance(x, RawLine) else x for x in chunk]
    calls = [x for x in parsed if isinstance(x, Call)]
    results = iter(engine.check_many(calls))
    return [next(results) if isinstance(x, Call) else x for x in parsed]


def _parse(raw: RawLine) -> Item:
    try:
        return Call.model_validate_json(raw.text)
    except ValidationError as exc:
        return problem_from_validation(raw.file, raw.line, exc)


def read_items(paths: Iterable[Path | str], fmt: str | None, options: ReadOptions,
               raw_jsonl: bool) -> Iterator[Item | RawLine]:
    """Calls from all inputs; JSONL stays raw lines when `raw_jsonl` (for workers)."""
    for path in expand(Path(p) for p in paths):
        chosen = FORMATS.get(fmt) if fmt else (detect_format(path) if path.exists() else None)
        if raw_jsonl and chosen is not None and chosen.name == "jsonl":
            yield from _raw_lines(path, options)
        else:
            yield from read_calls([path], fmt, options)


def _raw_lines(path: Path, options: ReadOptions) -> Iterator[RawLine | Problem]:
    try:
        for item in content_lines(path, options.encoding):
            yield item if isinstance(item, Problem) else RawLine(str(path), *item)
    except OSError as exc:
        yield Problem(str(path), None, None, f"cannot read: {exc.strerror or exc}")


# -- parallel ------------------------------------------------------------------------------
_worker_engine: Engine | None = None


def _work(chunk: list[Item | RawLine]) -> list[Out]:
    assert _worker_engine is not None
    return _check_chunk(_worker_engine, chunk)


def check_parallel(engine: Engine, items: Iterable[Item | RawLine], jobs: int) -> Iterator[Out]:
    """Like `check_items`, across `jobs` forked processes (results stay in input order)."""
    global _worker_engine
    if jobs <= 1:
        yield from check_items(engine, items)
        return
    _worker_engine = engine  # inherited by the forked workers
    # Pool.imap reads its input as fast as it can; a semaphore keeps only a few chunks in
    # flight so memory stays flat on inputs of any size.
    in_flight = threading.BoundedSemaphore(jobs * 4)
    iterator = iter(items)

    def chunks() -> Iterator[list[Item | RawLine]]:
        while True:
            in_flight.acquire()
            chunk = list(islice(iterator, CHUNK))
            if not chunk:
                return
            yield chunk

    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        for out in pool.imap(_work, chunks(), chunksize=1):
            in_flight.release()
            yield from out


def default_jobs() -> int:
    return max(1, min(8, len(os.sched_getaffinity(0))))
