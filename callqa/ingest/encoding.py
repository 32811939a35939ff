"""Open exported files whatever their encoding: UTF-8 (BOM or not), GB18030/GBK, UTF-16."""

from __future__ import annotations

import codecs
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from callqa.errors import Problem

_SNIFF = 64 * 1024


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped when it is gzip (by magic number, not by name)."""
    raw = path.open("rb")
    if raw.peek(2)[:2] == b"\x1f\x8b":  # type: ignore[attr-defined]
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def detect(head: bytes) -> str:
    """The encoding of a file from its first bytes.

    Chinese Windows tools export GBK (read as its superset GB18030); UTF-16 comes with a
    BOM. charset-normalizer only decides what neither strict UTF-8 nor GB18030 can read.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        if _mostly_decodes(head, encoding):
            return encoding
    best = from_bytes(head).best()
    return best.encoding if best else "utf-8"


def _mostly_decodes(head: bytes, encoding: str) -> bool:
    """Does the sample decode, but for a stray bad byte or two (those lines get reported)?

    A multi-byte character cut off at the end of the sample is not an error.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head, final=False)
    bad = text.count("\ufffd")
    return bad == 0 or bad <= max(1, len(text) // 500)


class Undecodable(str):
    """A line that is not valid in the file's encoding; its text is the reason."""


def text_lines(path: Path, encoding: str | None = None) -> Iterator[tuple[int, str]]:
    """(line number, line without newline) in the detected encoding, streamed.

    A line that cannot be decoded comes as an `Undecodable` carrying the reason, so one
    bad byte costs one record, not the rest of the file.
    """
    with open_binary(path) as raw:
        head = raw.peek(_SNIFF)[:_SNIFF]  # type: ignore[attr-defined]
        enc = encoding or detect(head)
        if enc.lower().replace("-", "").startswith("utf16"):
            # Newlines are two bytes here: let the text layer split lines.
            stream = io.TextIOWrapper(raw, encoding=enc, errors="replace", newline=None)
            for lineno, line in enumerate(stream, 1):
                yield lineno, line.rstrip("\r\n")
            return
        if enc == "utf-8-sig":
            raw.read(3)
            enc = "utf-8"
        for lineno, line in enumerate(raw, 1):
            try:
                yield lineno, line.decode(enc).rstrip("\r\n")
            except UnicodeDecodeError as exc:
                yield lineno, Undecodable(
                    f"not valid {enc} at byte {exc.start + 1} ({line[exc.start:exc.start + 2]!r})"
                )


def content_lines(path: Path, encoding: str | None = None) -> Iterator[tuple[int, str] | Problem]:
    """(line number, line) for every non-blank line; an undecodable line is a Problem."""
    for lineno, line in text_lines(path, encoding):
        if isinstance(line, Undecodable):
            yield Problem(str(path), lineno, None, str(line))
        elif line.strip():
            yield lineno, line
