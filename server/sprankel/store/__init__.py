"""Durable storage: the update log and snapshots of documents, and JSON records."""

from .base import RecordUpdate, Store

__all__ = ["RecordUpdate", "Store"]
