"""`callqa ingest`: mixed inputs (transcripts, PBX events, recordings) → interchange JSONL.

Exit status: 0 when every input was read, 1 when some inputs or records were skipped
(each is reported on stderr with its file and line), 2 on a usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from callqa.audio import analyze_call
from callqa.errors import Problem
from callqa.ingest import FORMATS, Format, detect_format, expand, read_calls
from callqa.ingest.join import Joined, RecordingStart, align, join, to_json
from callqa.ingest.pbx import PbxOptions
from callqa.ingest.roles import role_of
from callqa.model import Call

PROGRESS_AFTER = 20  # show a progress bar from this many files or calls
CONFIG_SUFFIXES = (".conf", ".md", ".xml")  # PBX configuration and notes found beside data


def parse_roles(text: str | None) -> dict[str, str]:
    """'0=customer,1=agent' (or PJSIP/agent-*=agent, 坐席 words) → {'0': 'customer', …}."""
    roles: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        role = role_of(value) if sep else None
        if not sep or not key.strip() or role is None:
            raise typer.BadParameter(f"expected ID=agent or ID=customer, got {part.strip()!r}",
                                     param_hint="--roles")
        roles[key.strip()] = role
    return roles


def formats() -> dict[str, Format]:
    """Every registered reader format (importing the reader modules first)."""
    for _ in read_calls([]):
        pass
    return FORMATS


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        inputs: Annotated[list[Path], typer.Argument(
            help="Files and folders: JSONL, transcripts (any vendor), CDR/CEL/AMI/queue_log/"
                 "FreeSWITCH events, WAV recordings.")],
        out: Annotated[Path | None, typer.Option(help="Write JSONL here (default stdout).")]
        = None,
        audio: Annotated[bool, typer.Option(
            "--audio/--no-audio", help="Analyse recordings (speech segments and levels).")] = True,
        roles: Annotated[str | None, typer.Option(
            help="Speaker/channel id → role, e.g. 0=customer,1=agent.")] = None,
        agent_channel: Annotated[str | None, typer.Option(
            help="The agent's PBX channel, e.g. 'PJSIP/agent-*' or 'SIP/1xxx' (default: the "
                 "leg the PBX dialled).")] = None,
        direction: Annotated[str | None, typer.Option(help="inbound | outbound")] = None,
        input_format: Annotated[str | None, typer.Option(
            help="Read every input as this format (default: detect).")] = None,
        recording_starts: Annotated[str, typer.Option(
            help="When recordings and transcripts start: auto | answer | call.")] = "auto",
    ) -> None:
        """导入：把转写、通话事件与录音按通话合并为交换格式 JSONL。Join transcripts, call events
        and recordings per call into interchange JSONL."""
        if direction not in (None, "inbound", "outbound"):
            raise typer.BadParameter("inbound or outbound", param_hint="--direction")
        if recording_starts not in ("auto", "answer", "call"):
            raise typer.BadParameter("auto, answer or call", param_hint="--recording-starts")
        if input_format and input_format not in formats():
            raise typer.BadParameter(f"known: {', '.join(sorted(FORMATS))}",
                                     param_hint="--input-format")
        options = PbxOptions(roles=parse_roles(roles), agent_channel=agent_channel,
                             direction=direction)
        console = Console(stderr=True)
        sink: TextIO = out.open("w", encoding="utf-8") if out else sys.stdout
        try:
            report = run(inputs, options, sink, console, audio=audio, fmt=input_format,
                         recording_starts=recording_starts)  # type: ignore[arg-type]
        finally:
            if out:
                sink.close()
        show(report, console)
        if report.problems:
            raise typer.Exit(1)


class Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.skipped: list[str] = []  # files of no known format
        self.joined: list[Joined] = []
        self.written = 0


def error(console: Console, text: str) -> None:
    """One problem per line, unwrapped, so it can be grepped and clicked."""
    console.print(f"[red]{escape(text)}[/red]", highlight=False, soft_wrap=True)


def _progress(console: Console, total: int, label: str) -> Progress | nullcontext[None]:
    if total < PROGRESS_AFTER or not console.is_terminal:
        return nullcontext()
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True)


def _read(files: list[Path], options: PbxOptions, fmt: str | None,
          report: Report, console: Console) -> Iterator[tuple[Call, str, bool]]:
    with _progress(console, len(files), "reading") as bar:
        task = bar.add_task("read", total=len(files)) if bar else None
        for path in files:
            chosen = FORMATS.get(fmt) if fmt else detect_format(path)
            if bar is not None:
                bar.advance(task)  # type: ignore[arg-type]
            if chosen is None:
                if not path.name.lower().endswith(CONFIG_SUFFIXES):
                    report.skipped.append(str(path))
                continue
            calls = []
            try:
                for item in chosen.reader(path, options):
                    if isinstance(item, Problem):
                        report.problems.append(item)
                        error(console, str(item))
                    else:
                        calls.append(item)
            except OSError as exc:
                problem = Problem(str(path), None, None, f"cannot read: {exc.strerror or exc}")
                report.problems.append(problem)
                error(console, str(problem))
            for call in calls:
                yield call, str(path), len(calls) == 1


def run(inputs: list[Path], options: PbxOptions, sink: TextIO, console: Console, *,
        audio: bool = True, fmt: str | None = None,
        recording_starts: RecordingStart = "auto") -> Report:
    report = Report()
    files = []
    for path in expand(inputs):
        if path.exists():
            files.append(path)
        else:
            report.problems.append(Problem(str(path), None, None, "no such file"))
            error(console, f"{path}: no such file")
    formats()
    report.joined = join(_read(files, options, fmt, report, console))
    with _progress(console, len(report.joined), "analysing") as bar:
        task = bar.add_task("analyse", total=len(report.joined)) if bar else None
        for joined in report.joined:
            call = joined.call
            if audio and call.audio is not None and call.audio.path:
                analyze_call(call, joined.audio_base)
            if joined.needs_alignment:
                align(call, recording_starts, joined.audio_base)
            sink.write(to_json(call) + "\n")
            report.written += 1
            if bar is not None:
                bar.advance(task)  # type: ignore[arg-type]
    return report


def show(report: Report, console: Console) -> None:
    """What could not be joined or read, as a table on stderr."""
    rows = []
    for joined in report.joined:
        issues = [joined.missing] if joined.missing else []
        issues += joined.conflicts
        call = joined.call
        if call.audio is not None and call.audio.meta.get("error"):
            issues.append(str(call.audio.meta["error"]))
        if issues:
            rows.append((call.call_id, "; ".join(issues),  # which files it came from
                         ", ".join(sorted({Path(s.file).name for s in joined.sources}))))
    rows += [("", "skipped: no known format", Path(f).name) for f in report.skipped]
    if rows:
        table = Table(title="not joined / not read", title_justify="left")
        for column in ("call", "issue", "from"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    console.print(f"{report.written} calls written, {len(report.problems)} problems, "
                  f"{len(report.skipped)} files skipped", highlight=False)
