"""The web console and JSON API (FastAPI): `create_app(WebConfig(...))`; see docs/web.md."""

from callqa.web.app import create_app
from callqa.web.context import WebConfig

__all__ = ["WebConfig", "create_app"]
