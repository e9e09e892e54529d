"""The chat document of a space: what the server writes and clients read.

Document ``spaces/ID/chat``, read-only for clients (posting has rules: length,
rate and expiry, so it goes through the server):

    messages  Y.Array of plain JSON objects, oldest first:
              {id, kind: "message" | "coffee" | "session", author_id, author_name,
               text, at (ms since the epoch), session?: {id, title, join_path}}

The array is bounded: the oldest messages beyond MAX_MESSAGES are removed, and
messages older than the retention period are removed when the server expires
them. Storage compaction then drops their content (see store.compact_updates).
"""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Doc

from ..sync.reading import to_plain

MAX_MESSAGES = 300
KINDS = ("message", "coffee", "session")


def chat_name(space_id: str) -> str:
    return f"spaces/{space_id}/chat"


def _messages(doc: Doc[Any]) -> Array[Any]:
    messages: Array[Any] = doc.get("messages", type=Array)
    return messages


def read_messages(doc: Doc[Any]) -> list[dict[str, Any]]:
    return [dict(m) for m in to_plain(_messages(doc)) or [] if isinstance(m, dict)]


def find_message(doc: Doc[Any], message_id: str) -> dict[str, Any] | None:
    return next((m for m in read_messages(doc) if m.get("id") == message_id), None)


def append_message(doc: Doc[Any], message: dict[str, Any]) -> None:
    messages = _messages(doc)
    messages.append(message)
    excess = len(messages) - MAX_MESSAGES
    if excess > 0:
        del messages[0:excess]


def remove_older_than(doc: Doc[Any], cutoff_ms: int) -> int:
    """Remove messages written before cutoff_ms; returns how many went."""
    messages = _messages(doc)
    expired = 0
    for message in to_plain(messages) or []:
        if isinstance(message, dict) and float(message.get("at", 0)) < cutoff_ms:
            expired += 1
        else:
            break  # oldest first: the rest is newer
    if expired:
        del messages[0:expired]
    return expired
