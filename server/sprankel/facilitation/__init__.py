"""The rules of a session: roles, agenda, timer, hidden ideas, votes (see engine.py)."""

from .core import Flags
from .engine import Engine

__all__ = ["Engine", "Flags"]
