"""`callqa transcribe`: recordings → interchange JSONL with a local FunASR/faster-whisper model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from callqa.audio.transcribe import EngineError, load_engine, transcribe_recording
from callqa.audio.wav import AudioError
from callqa.cli.ingest import parse_roles
from callqa.ingest.join import channels_from_roles, to_json


def register(app: typer.Typer) -> None:
    @app.command("transcribe")
    def transcribe(
        recordings: Annotated[list[Path], typer.Argument(help="Stereo WAV recordings.")],
        engine: Annotated[str, typer.Option(help="funasr | faster-whisper")] = "funasr",
        model: Annotated[Path | None, typer.Option(
            help="Local model folder (never downloaded).")] = None,
        roles: Annotated[str | None, typer.Option(
            help="Channel → role, e.g. 0=customer,1=agent (default: the caller is channel 0 "
                 "on inbound calls).")] = None,
        direction: Annotated[str, typer.Option(help="inbound | outbound")] = "inbound",
        language: Annotated[str, typer.Option(help="Language code for Whisper.")] = "zh",
        out: Annotated[Path | None, typer.Option(help="Write JSONL here (default stdout).")]
        = None,
    ) -> None:
        """转写：用本地模型逐声道转写录音（从不下载模型）。Transcribe recordings with a local
        model, one pass per party's channel, into interchange JSONL."""
        if model is None:
            raise typer.BadParameter("give the local model folder with --model", param_hint="--model")
        try:
            asr = load_engine(engine, model, language)
        except EngineError as exc:
            typer.secho(f"callqa: {exc}", err=True, fg="red")
            raise typer.Exit(2) from exc
        channels = channels_from_roles(parse_roles(roles)) if roles else None
        sink = out.open("w", encoding="utf-8") if out else sys.stdout
        failed = 0
        try:
            for path in recordings:
                try:
                    call = transcribe_recording(path, asr, channels, direction)
                except (AudioError, OSError) as exc:
                    typer.secho(f"callqa: {exc}", err=True, fg="red")
                    failed += 1
                    continue
                sink.write(to_json(call) + "\n")
        finally:
            if out:
                sink.close()
        if failed:
            raise typer.Exit(1)
