"""The rules of a session: roles, agenda, timer, hidden ideas, votes (see engine.py)."""

from .clock import Clock, ManualClock, SystemClock
from .core import Flags
from .engine import Engine
from .errors import FacilitationError
from .tokens import Claims, TokenSigner, load_or_create_key

__all__ = [
    "Claims",
    "Clock",
    "Engine",
    "FacilitationError",
    "Flags",
    "ManualClock",
    "SystemClock",
    "TokenSigner",
    "load_or_create_key",
]
