"""`callqa demo`: the bundled sample calls through the default standard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callqa.ingest import read_calls
from callqa.model import Call
from callqa.render import Summary, console, scorecard_table, summary_table
from callqa.standard import Engine, load_standard

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "calls.jsonl"


def sample_calls() -> list[Call]:
    return [c for c in read_calls([SAMPLES]) if isinstance(c, Call)]


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        standard: Annotated[str, typer.Option("--standard", "-s", help="规范：内置名称或 YAML 文件")] = "default",
    ) -> None:
        """演示：用默认规范质检自带的示例通话并显示评分卡。Score the bundled sample calls."""
        engine = Engine(load_standard(standard))
        out = console()
        out.print(f"[bold]callqa demo[/bold] — {len(sample_calls())} 通示例通话 × {engine.standard.name} "
                  f"（{len(engine.checkpoints)} 个检查点）\n数据：{SAMPLES}\n")
        summary = Summary()
        for result in engine.check_many(sample_calls()):
            summary.add(result)
            out.print(scorecard_table(result, engine.standard))
        out.print(summary_table(summary, engine.standard))
        out.print("\n下一步：callqa rules list · callqa rules explain hold.thank_after · "
                  "callqa check 你的通话.jsonl")
