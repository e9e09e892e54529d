"""The names of the broker's keys and channels in Redis, under a prefix (``sprankel:``).

- ``upd:{name}``      a stream of document updates (fields ``p``: publishing process,
                      ``u``: update), trimmed to about ``stream_max_len`` entries and
                      expiring ``stream_ttl_s`` after its last update
- ``aw:{name}``       a pub/sub channel of awareness: the process id, a space, the payload
- ``ev:{channel}``    a stream of events (fields ``p``: publishing process, ``e``: JSON);
                      a process's own subscribers get its events directly
- ``presence:{name}`` a hash: connection id -> presence entry as JSON
- ``process:{id}``    a live process's heartbeat (its time), expiring after ``presence_ttl_s``
- ``lease:{key}``     an acquire_once lease (SET NX PX)
- ``wake:{id}``       a stream that wakes this process's reader when it subscribes anew
- ``ctl:{id}``        a pub/sub channel nobody sends to: it keeps the awareness
                      connection subscribed while no document is open

These names are the wire format between processes: processes of one deployment
must agree on them, so change them only together with every process.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    def updates(self, document: str) -> str:
        return f"{self.prefix}upd:{document}"

    def awareness(self, document: str) -> str:
        return f"{self.prefix}aw:{document}"

    def document_of_awareness(self, channel: str) -> str:
        return channel[len(self.awareness("")):]

    def events(self, channel: str) -> str:
        return f"{self.prefix}ev:{channel}"

    def presence(self, document: str) -> str:
        return f"{self.prefix}presence:{document}"

    def process(self, process: str) -> str:
        return f"{self.prefix}process:{process}"

    def lease(self, key: str) -> str:
        return f"{self.prefix}lease:{key}"

    def wake(self, process: str) -> str:
        return f"{self.prefix}wake:{process}"

    def control(self, process: str) -> str:
        return f"{self.prefix}ctl:{process}"
