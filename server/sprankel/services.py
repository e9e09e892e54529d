"""The shared running parts of one server process, built first by the composition root
(app.py) and handed to each feature and edge that needs them."""

from __future__ import annotations

from dataclasses import dataclass

from .broker import Broker
from .config import Settings
from .ratelimits import Limits
from .store import Store
from .sync.rooms import RoomManager


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    broker: Broker
    rooms: RoomManager
    limits: Limits  # rates and counts per client address (limits.py)
