"""The `callqa` command. Each command group lives in its own module with `register(app)`."""

from __future__ import annotations

import importlib
import sys

import typer

from callqa.errors import CallqaError

app = typer.Typer(
    name="callqa",
    help="callqa：按服务规范自动质检每一通客服通话。Check every customer-service call "
    "against the centre's service standard.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """callqa：按服务规范自动质检每一通客服通话。"""


# Modules that add commands; a module missing its optional dependencies is skipped.
_COMMANDS = ("check", "rules", "phrases", "demo", "evaluate", "ingest", "transcribe", "serve", "user", "db")


def _register_all() -> None:
    for name in _COMMANDS:
        try:
            module = importlib.import_module(f"callqa.cli.{name}")
        except ImportError as exc:  # an optional extra is not installed
            if exc.name and exc.name.startswith("callqa"):
                raise
            continue
        module.register(app)


def main() -> None:
    _register_all()
    try:
        app()
    except CallqaError as exc:
        typer.secho(f"callqa: {exc}", err=True, fg="red")
        sys.exit(2)
