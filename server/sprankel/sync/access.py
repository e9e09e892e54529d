"""Who may read and write a document: the hook the edges fill in.

The sync layer asks an Authorizer once per connection, before it sends any
content, and asks the returned Access on every update whether writes are
allowed right now (a session can be locked while connections are open).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import status
from .names import is_valid_document_name


def _always() -> bool:
    return True


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Access:
    user: dict[str, Any] = field(default_factory=dict)  # shown in presence
    can_write: Callable[[], bool] = _always
    # Awareness (presence, cursors): False on documents only the server writes.
    may_publish_awareness: bool = True
    # True while the connection's user must stay unnamed to peers: awareness then
    # carries no name and no id (see sync/awareness.py).
    anonymous: Callable[[], bool] = _never
    # When the token behind the connection stops working (ms since the epoch): the
    # connection is closed with 4401 then (sync/endpoint.py). None: never.
    expires_at: int | None = None


READ_ONLY = _never


@dataclass(frozen=True)
class Refusal:
    code: int
    reason: str


Authorizer = Callable[[str, Mapping[str, str]], Awaitable[Access | Refusal]]
# A check of a connection's handshake headers (lower-case names), before any authorizer.
Admission = Callable[[Mapping[str, str]], Refusal | None]


async def open_access(name: str, params: Mapping[str, str]) -> Access | Refusal:
    """Every valid document is open to everyone: development, interop and benchmarks."""
    if not is_valid_document_name(name):
        return Refusal(status.CLOSE_BAD_REQUEST, "invalid document name")
    return Access()
