"""Prometheus metrics (`--metrics`): what a process serves, read when it is scraped.

Nothing here runs on the hot path. The sync layer counts in plain integers
(sync/stats.py), Redis faults are counted by each `Link` (_redis.py), refusals by
a limit in ratelimits.py; this module only turns them into metric families when
/metrics is read, through prometheus-client's text format.

Never public by accident: on the app's own port /metrics answers only with
`Authorization: Bearer <--metrics-token>` (compared in constant time); without a
token it is served only on a separate loopback address (`--metrics-address
127.0.0.1:9100`, by prometheus-client's own small HTTP server in a thread).
config.py refuses settings that would serve it openly. With `--workers N` every
worker serves its own metrics on the metrics port + its slot (9100, 9101, ...):
scrape each one (docs/operations.md); a shared port would answer from whichever
worker the connection happened to reach.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from . import _redis, ratelimits
from .api._http import bearer
from .config import Settings, metrics_listen_address
from .looplag import LoopLag
from .responses import error
from .services import Services
from .sync.stats import Latency

PREFIX = "sprankel_"


class SprankelCollector(Collector):
    """The process's state as metric families, computed at each scrape."""

    def __init__(self, services: Services, running_rounds: Callable[[], int],
                 loop_lag: LoopLag) -> None:
        self.services = services
        self.running_rounds = running_rounds
        self.loop_lag = loop_lag

    def collect(self) -> Iterator[Metric]:
        rooms = self.services.rooms
        stats = rooms.stats
        open_rooms = rooms.open_rooms
        yield _gauge("connections_open", "Document WebSockets open in this process.",
                     rooms.open_connections)
        yield _gauge("documents_in_memory", "Documents loaded in this process (rooms).",
                     len(open_rooms))
        yield _gauge("sessions_open", "Sessions with at least one document open in this "
                     "process.", len(_sessions(open_rooms)))
        yield _gauge("sessions_running", "Sessions with a running round (each process keeps "
                     "every running round's timer, so this is the count of the whole server).",
                     self.running_rounds())
        for way, counts in (("in", stats.incoming()), ("out", stats.outgoing())):
            done = "received" if way == "in" else "sent (one per socket)"
            messages = CounterMetricFamily(PREFIX + f"messages_{way}", f"y-websocket messages "
                                           f"{done}, by type.", labels=["type"])
            size = CounterMetricFamily(PREFIX + f"bytes_{way}", f"Bytes of y-websocket "
                                       f"messages {done}, by type.", labels=["type"])
            for kind, (count, total) in sorted(counts.items()):
                messages.add_metric([kind], count)
                size.add_metric([kind], total)
            yield messages
            yield size
        closed = CounterMetricFamily(
            PREFIX + "ws_closed", "WebSockets the server refused or closed, by close code "
            "(1001 shutdown, 1008 policy, 1011 store failed, 1013 try again later, 44xx "
            "refusals; clients leaving are not counted).", labels=["code"])
        for code, value in sorted(list(stats.closed.items())):
            closed.add_metric([str(code)], value)
        yield closed
        yield _histogram("fanout_seconds", "From a batch's first update queued to it being "
                         "stored and sent to every socket and to the broker.", stats.fanout)
        yield _histogram("store_append_seconds", "One append of a merged batch of updates "
                         "to the store.", stats.store)
        yield _histogram("event_loop_lag_seconds", "How late the event loop ran a ready "
                         "callback (sampled every 5 ms).", self.loop_lag.delays)
        yield _gauge("event_loop_lag_max_seconds", "The largest event-loop delay since the "
                     "previous scrape (reset by each scrape).", self.loop_lag.take_max())
        limited = CounterMetricFamily(PREFIX + "rate_limited", "Requests and connections "
                                      "refused by a limit, by limit.", labels=["limit"])
        for limit, value in sorted(list(ratelimits.REFUSALS.items())):
            limited.add_metric([limit], value)
        yield limited
        health = _redis.HEALTH
        yield CounterMetricFamily(PREFIX + "redis_reconnects", "Times a component of this "
                                  "process reached Redis again after losing it.",
                                  value=health.reconnects)
        yield CounterMetricFamily(PREFIX + "redis_outage_seconds", "Seconds components of "
                                  "this process were without Redis (ongoing outages included).",
                                  value=health.outage_s + health.down_s())
        yield _gauge("redis_components_down", "Components of this process that cannot reach "
                     "Redis now (0 without Redis).", health.components_down)


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, help_text, value=value)


def _histogram(name: str, help_text: str, latency: Latency) -> HistogramMetricFamily:
    return HistogramMetricFamily(PREFIX + name, help_text, buckets=latency.cumulative(),
                                 sum_value=latency.sum)


def _sessions(documents: Iterable[str]) -> set[str]:
    return {name.split("/")[1] for name in documents
            if name.startswith("sessions/") and name.count("/") >= 2}


def build_registry(services: Services, running_rounds: Callable[[], int],
                   loop_lag: LoopLag) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SprankelCollector(services, running_rounds, loop_lag))
    ProcessCollector(registry=registry)  # process_resident_memory_bytes, _open_fds, ...
    return registry


def endpoint(registry: CollectorRegistry, token: str) -> Callable[[Request], Response]:
    """GET /metrics on the app's port: only with the bearer token."""
    expected = token.encode("utf-8")

    def metrics(request: Request) -> Response:
        given = (bearer(request) or "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return error(401, "unauthorized", "metrics need Authorization: Bearer with the "
                         "--metrics-token", headers={"WWW-Authenticate": "Bearer"})
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                        headers={"Cache-Control": "no-store"})

    return metrics


def serve_separately(settings: Settings, registry: CollectorRegistry, slot: int = 0) -> None:
    """Serve the metrics on --metrics-address (its port + the worker's slot), in a thread."""
    address = metrics_listen_address(settings)
    if address is None:
        return
    host, port = address
    # The thread's server answers any path with the metrics; nothing else is served there.
    start_http_server(port + slot, addr=host, registry=registry)
