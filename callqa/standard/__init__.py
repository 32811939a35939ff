"""Standards: the rule-set format, its operators, the engine and scoring."""

from callqa.standard.engine import Engine, Session
from callqa.standard.loader import load_standard
from callqa.standard.schema import Checkpoint, Standard

__all__ = ["Checkpoint", "Engine", "Session", "Standard", "load_standard"]
