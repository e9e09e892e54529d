"""The names of the broker's keys and channels in Redis, under a prefix (``sprankel:``).

Each name carries a hash tag (the part in ``{}``): a Redis Cluster puts keys with the
same tag in one slot. A document's stream, awareness channel and presence share the
document's tag, so they live on one node; heartbeats share one tag (presence reads
them with one MGET). Single-node Redis ignores tags, so both modes use these names.

- ``upd:{name}``      a stream of document updates (fields ``p``: publishing process,
                      ``u``: update), trimmed to about ``stream_max_len`` entries and
                      expiring ``stream_ttl_s`` after its last update
- ``aw:{name}``       a pub/sub channel of awareness (sharded pub/sub on a cluster): the
                      process id, a space, the payload; or the process id, a space and
                      ``?``: a process that opened the document asks for the states
                      the others hold, and each answers with its own connections' states
- ``ev:{channel}``    a stream of events (fields ``p``: publishing process, ``e``: JSON);
                      a process's own subscribers get its events directly
- ``presence:{name}`` a hash: connection id -> presence entry as JSON
- ``{process}:ID``    a live process's heartbeat (its time), expiring after ``presence_ttl_s``
- ``lease:{key}``     an acquire_once lease (SET NX PX)
- ``wake:{id}``       a stream that wakes this process's reader when it subscribes anew
                      (single node only: on a cluster each stream has its own reader)
- ``ctl:{id}``        a pub/sub channel nobody sends to: it keeps the awareness
                      connection subscribed while no document is open

Here ``{name}`` is literally the document's name in braces. These names are the wire
format between processes: processes of one deployment must agree on them, so change
them only together with every process (the hash tags came with issue 16: stop every
process of a deployment before starting the new version; nothing durable is kept here).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    def updates(self, document: str) -> str:
        return f"{self.prefix}upd:{{{document}}}"

    def awareness(self, document: str) -> str:
        return f"{self.prefix}aw:{{{document}}}"

    def document_of_awareness(self, channel: str) -> str:
        return channel[len(self.prefix) + len("aw:{"):-1]

    def events(self, channel: str) -> str:
        return f"{self.prefix}ev:{{{channel}}}"

    def presence(self, document: str) -> str:
        return f"{self.prefix}presence:{{{document}}}"

    def process(self, process: str) -> str:
        return f"{self.prefix}{{process}}:{process}"

    def lease(self, key: str) -> str:
        return f"{self.prefix}lease:{{{key}}}"

    def wake(self, process: str) -> str:
        return f"{self.prefix}wake:{{{process}}}"

    def control(self, process: str) -> str:
        return f"{self.prefix}ctl:{{{process}}}"
