"""Errors that name where the bad input is: file, line (or record) and field."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad record or file: reported, skipped, and the batch goes on."""

    file: str
    line: int | None  # 1-based line or record number; None for the whole file
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class CallqaError(Exception):
    """An error a user can act on; the CLI prints it without a traceback."""


class InputError(CallqaError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def problem_from_validation(file: str, line: int | None, error: ValidationError) -> Problem:
    """One Problem for a bad record: the first error's field path (utterances.3.end) and
    message, with the others appended, so one record counts once."""
    parts = []
    for err in error.errors():
        field = ".".join(str(part) for part in err["loc"])
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        if err["type"] == "json_invalid":
            field, message = "", f"invalid JSON: {err['ctx'].get('error', message)}"
        parts.append((field or None, message))
    field, message = parts[0]
    if len(parts) > 1:
        message += "; also " + "; ".join(f"{f}: {m}" if f else m for f, m in parts[1:])
    return Problem(file, line, field, message)
