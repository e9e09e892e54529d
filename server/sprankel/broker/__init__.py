"""Fan-out and presence between server processes: in-process (default) and Redis."""

from .base import Broker, PresenceEntry, Subscription

__all__ = ["Broker", "PresenceEntry", "Subscription"]
