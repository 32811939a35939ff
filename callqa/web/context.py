"""What the web app holds while it runs: configuration, database, standards, engine."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from callqa.standard import Engine, Standard, load_standard
from callqa.standard.phrasebook import Phrasebook, load_phrasebook
from callqa.store import Database, open_database
from callqa.web.ratelimit import LoginLimiter


@dataclass(frozen=True)
class WebConfig:
    db_url: str | None = None  # None: CALLQA_DB or ./callqa.db
    standards: tuple[str, ...] = ("default",)  # the first checks new calls and is shown
    audio_dir: Path | None = None  # recordings are served from here only
    secure_cookies: bool = False  # set behind HTTPS
    session_hours: float = 12.0
    login_failures: int = 5
    login_window: float = 300.0


class Context:
    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.db: Database = open_database(config.db_url)
        loaded = [load_standard(name) for name in config.standards or ("default",)]
        self.standard: Standard = loaded[0]
        self.standards: dict[str, Standard] = {s.ref: s for s in loaded}
        self.engine = Engine(self.standard)
        self.phrasebook: Phrasebook = load_phrasebook()
        self.limiter = LoginLimiter(config.login_failures, config.login_window)
        self.write_lock = threading.Lock()  # one ingest at a time (the engine, SQLite)
        self.audio_dir = config.audio_dir.resolve() if config.audio_dir else None

    def checkpoint_name(self, checkpoint_id: str) -> str:
        checkpoint = self.standard.checkpoint(checkpoint_id)
        return checkpoint.spec.name if checkpoint else checkpoint_id
