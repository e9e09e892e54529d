"""In-process helpers for Koffiehoek and voice-table tests: a voice socket's view, and
members with the chat open."""

from __future__ import annotations

from typing import Any

from sprankel.broker import Broker, PresenceEntry
from sprankel.kernel.clock import Clock
from sprankel.koffiehoek.chat import chat_name
from sprankel.koffiehoek.spaces import Member, Space


class Seen:
    """What one voice socket was sent, and how it was closed."""

    def __init__(self, member_id: str, name: str) -> None:
        self.member_id, self.name = member_id, name
        self.messages: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def sitting(self) -> list[str]:
        views = [m for m in self.messages if m["type"] == "tables"]
        return [s["name"] for s in views[-1]["tables"][0]["sitting"]] if views else []


async def chat_open(broker: Broker, clock: Clock, space: Space, *members: Member) -> None:
    """Members with the space's chat open (presence, as the chat socket records it)."""
    for m in members:
        now = clock.now_ms() / 1000
        await broker.presence_join(PresenceEntry(
            f"c-{m.id}", chat_name(space.id), broker.process_id, now, now,
            {"id": m.id, "name": m.name}))
