"""The running parts of one server process, built by app.py and handed to the edges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .broker import Broker
from .config import Settings
from .limits import Limits
from .store import Store
from .sync.rooms import RoomManager

Hook = Callable[[], Awaitable[None]]


@dataclass
class Services:
    settings: Settings
    store: Store
    broker: Broker
    rooms: RoomManager
    limits: Limits  # rates and counts per client address (limits.py)
    # Started after store, broker and rooms; stopped before them (in reverse order).
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    # Long-lived parts that edges register (the facilitation engine, ...), by name.
    extras: dict[str, Any] = field(default_factory=dict)
