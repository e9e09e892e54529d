"""Durable storage: the update log and snapshots of documents, and JSON records."""

from .base import RecordUpdate, Store, compact_updates

__all__ = ["RecordUpdate", "Store", "compact_updates"]
