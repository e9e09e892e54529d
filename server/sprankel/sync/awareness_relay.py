"""A room's awareness on its way out: gathered per event-loop turn, newest per client id.

Entries that passed the rules of awareness.py wait here until the end of the loop
turn; within it only the newest entry of each client id is kept (the awareness
protocol's own semantics: a peer keeps only the highest clock), and what remains
is encoded once for every socket of the room. Entries of this process's own
connections also wait for the room's pump, which publishes them to the other
processes in one payload.

Relaying at most every few milliseconds instead (fewer, larger sends) was measured
and dropped: 10 ms saved no CPU in the whiteboard load, 30 ms saved about 13 % but
put 17 ms on the median cursor (docs/benchmarks.md, issue 17).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from . import protocol


class AwarenessRelay:
    def __init__(self, broadcast: Callable[[bytes], None],
                 publish_soon: Callable[[], None]) -> None:
        self._broadcast = broadcast  # one encoded message to every socket of the room
        self._publish_soon = publish_soon  # wakes the pump, which calls take_outgoing()
        self._local: dict[int, bytes] = {}
        self._outgoing: dict[int, bytes] = {}
        self._scheduled = False

    def queue(self, entries: list[bytes], publish: bool) -> None:
        """Relay to the local sockets this turn; with ``publish`` to the other processes too."""
        for raw in entries:
            client_id = protocol.read_var_uint(raw, 0)[0]
            self._local[client_id] = raw  # accepted later: the newer clock
            if publish:
                self._outgoing[client_id] = raw
        if publish:
            self._publish_soon()
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def take_outgoing(self) -> bytes | None:
        """The payload to publish (entries gathered since the last call), if any."""
        if not self._outgoing:
            return None
        entries, self._outgoing = self._outgoing, {}
        return awareness_payload(list(entries.values()))

    def _flush(self) -> None:
        self._scheduled = False
        if self._local:
            entries, self._local = self._local, {}
            self._broadcast(protocol.encode_awareness(list(entries.values())))


def awareness_payload(entries: list[bytes]) -> bytes:
    """Entries as one awareness update (without the message type): count, then each."""
    return protocol.write_var_uint(len(entries)) + b"".join(entries)
