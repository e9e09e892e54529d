"""The Redis broker: fan-out, presence and leases between processes and hosts.

One module per part, put together as `RedisBroker` in `broker.py`:

- `keys.py`        the names of the keys and channels in Redis (the wire format)
- `connection.py`  what the parts share: the process id, the key names, the clients
- `streams.py`     reading the update and event streams; recovery after a blip
- `awareness.py`   awareness through pub/sub
- `outbox.py`      publishing without waiting for Redis
- `presence.py`    presence, and the heartbeat that says which processes are alive
- `leases.py`      once-only work (acquire_once)

The connection helpers it shares with the Redis store are in `sprankel/_redis.py`.
"""

from .broker import RedisBroker
from .streams import Recover

__all__ = ["Recover", "RedisBroker"]
