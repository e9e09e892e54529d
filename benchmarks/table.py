"""The Markdown table of one run: every metric per server, the ratio to Node, the target."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Result = dict[str, Any]
Getter = Callable[[Result], float | None]

START = "<!-- results:start -->"
END = "<!-- results:end -->"
STORE_START = "<!-- store-results:start -->"
STORE_END = "<!-- store-results:end -->"
COLUMNS = ("node", "pycrdt-websocket", "sprankel")
BUSY_CORES = 0.5  # other load during a window above which its latency is marked


@dataclass(frozen=True)
class Metric:
    scenario: str
    label: str
    get: Getter
    # "ratio": Sprankel / Node at or below `limit`; "zero": Sprankel's value is 0;
    # "all": Sprankel's value equals `total`; "": information only.
    target: str = ""
    limit: float = 1.0
    total: Getter | None = None
    digits: int = 1
    ratio: bool = True  # show Sprankel / Node
    per_run: bool = False  # with --repeat: show each run's value after the median


def _key(name: str) -> Getter:
    def get(result: Result) -> float | None:
        value = result.get(name)
        return None if value is None else float(value)
    return get


def _lost(result: Result) -> float | None:
    if "lost" not in result:
        return None
    return float(result["lost"])


def _loop_lag(scenario: str) -> Metric:
    # Measured by Sprankel itself (server/sprankel/looplag.py): no ratio to Node.
    return Metric(scenario, "server event-loop lag, max (ms)", _key("loop_lag_max_ms"),
                  ratio=False)


def _room_metrics(scenario: str, p99: float | None = None, cpu: float | None = None
                  ) -> list[Metric]:
    """The rows of a room load; p99 and cpu are the targets (Sprankel / Node), if any."""
    return [
        Metric(scenario, "fan-out latency p50 (ms)", _key("latency_p50_ms")),
        Metric(scenario, "fan-out latency p99 (ms)", _key("latency_p99_ms"),
               "ratio" if p99 else "", limit=p99 or 1.0, per_run=True),
        Metric(scenario, "server CPU (cores)", _key("server_cpu_cores"),
               "ratio" if cpu else "", limit=cpu or 1.0, digits=2, per_run=True),
        Metric(scenario, "deliveries missing 15 s after the window", _lost, "zero", digits=0),
        Metric(scenario, "deliveries expected", _key("deliveries_expected"), digits=0,
               ratio=False),
        Metric(scenario, "load generator CPU, busiest process (cores)", _key("worker_cpu_max"),
               digits=2, ratio=False),
        Metric(scenario, "other load on the machine (cores)", _key("other_load_cores"),
               digits=2, ratio=False),
        _loop_lag(scenario),
    ]


def _whiteboard_metrics() -> list[Metric]:
    scenario = "whiteboard"
    return [
        Metric(scenario, "cursor relay latency p50 (ms)", _key("cursor_p50_ms")),
        Metric(scenario, "cursor relay latency p99 (ms)", _key("cursor_p99_ms"), "ratio",
               per_run=True),
        Metric(scenario, "newest cursor state missing (receiver, sender pairs)",
               _key("cursor_newest_missing"), "zero", digits=0),
        Metric(scenario, "cursor moves sent", _key("cursor_moves_sent"), digits=0,
               ratio=False),
        *_room_metrics(scenario, cpu=0.7),
    ]


def _noisy_metrics() -> list[Metric]:
    scenario = "noisy-neighbour"
    return [
        Metric(scenario, "big board joins during the window", _key("board_joins"), digits=0),
        Metric(scenario, "big board join ready p50 (ms)", _key("board_join_p50_ms")),
        Metric(scenario, "big board size (MiB)",
               lambda r: r["board_bytes"] / 2**20 if r.get("board_bytes") else None),
        *_room_metrics(scenario, p99=0.5),
    ]


METRICS: list[Metric] = [
    *_room_metrics("big-room", p99=0.8, cpu=0.6),
    *_room_metrics("medium-room"),
    *_room_metrics("small-rooms", p99=1.0, cpu=0.8),
    *_whiteboard_metrics(),
    *_noisy_metrics(),
    Metric("first-join", "clients ready, worst round", _key("connected_min"), "all",
           total=_key("clients_per_round"), digits=0),
    Metric("first-join", "ready time p50 (ms)", _key("ready_p50_ms")),
    Metric("first-join", "ready time max (ms)", _key("ready_max_ms")),
    _loop_lag("first-join"),
    Metric("board-join", "ready time alone, applied, p50 (ms)", _key("alone_p50_ms"), "ratio",
           limit=0.7),
    Metric("board-join", "burst over 4 load processes: until all are ready and applied, "
           "p50 (ms)", _key("burst_all_ready_p50_ms"), "ratio", limit=0.7),
    Metric("board-join", "ready time alone, arrived (not applied), p50 (ms)",
           _key("alone_arrived_p50_ms")),
    Metric("board-join", "burst over 4 load processes: until all have arrived (not "
           "applied), p50 (ms)", _key("burst_all_arrived_p50_ms")),
    Metric("board-join", "burst from one load process: until all are ready and applied, "
           "p50 (ms)", _key("one_process_burst_all_ready_p50_ms")),
    Metric("board-join", "burst from one load process: until all have arrived, p50 (ms)",
           _key("one_process_burst_all_arrived_p50_ms")),
    Metric("board-join", "document size (KiB)",
           lambda r: r["board_bytes"] / 1024 if r.get("board_bytes") else None),
    _loop_lag("board-join"),
    Metric("idle", "memory per idle connection (KiB)", _key("kib_per_connection"), "ratio",
           limit=0.75),
    Metric("idle", "connected", _key("connected"), "all", total=_key("connections"), digits=0),
    _loop_lag("idle"),
]

SCENARIO_TITLES = {
    "big-room": "Big room",
    "medium-room": "Medium room",
    "small-rooms": "Many small rooms",
    "whiteboard": "Whiteboard rooms (cursors)",
    "noisy-neighbour": "Noisy neighbour: small rooms beside a 5 MB board",
    "growth": "Growth with the board's size",
    "first-join": "Simultaneous first joins of a new room",
    "board-join": "Joining a 5,000-idea board",
    "idle": "Idle connections",
    "redis-pair": "Many small rooms over two processes with Redis",
    "cluster-pair": "Big room over two processes with a Redis Cluster",
    "export": "Markdown export of a 5,000-idea session",
    "postgres": "Many small rooms, SQLite and PostgreSQL store",
}


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _cell(result: Result | None, metric: Metric) -> tuple[str, float | None]:
    if result is None:
        return "not run", None
    if "error" in result:
        return "failed", None
    try:
        value = metric.get(result)
    except (KeyError, TypeError, ZeroDivisionError):
        value = None
    text = _fmt(value, metric.digits)
    runs = [r for r in result.get("runs", []) if "error" not in r]
    if metric.per_run and len(runs) > 1:
        each = [metric.get(r) for r in runs]
        text += " (" + " / ".join(_fmt(v, metric.digits) for v in each) + ")"
    if metric.total is not None and value is not None:
        total = metric.total(result)
        text = f"{text} of {_fmt(total, 0)}"
    if result.get("server_exited"):
        text += " (server exited)"
    other = result.get("other_load_cores")
    if metric.label.startswith("fan-out") and other is not None and other > BUSY_CORES:
        text += f" (busy machine: {other:.1f} other cores)"
    if result.get("client_saturated") and metric.label.startswith("fan-out"):
        text += " (load generator saturated)"
    return text, value


def _verdict(metric: Metric, sprankel: Result | None, value: float | None,
             node: float | None) -> tuple[str, str, str]:
    """(ratio text, target text, met text)."""
    ratio = None
    if value is not None and node not in (None, 0.0):
        assert node is not None
        ratio = value / node
    ratio_text = "n/a" if ratio is None else f"{ratio:.2f}x"
    if metric.target == "ratio":
        met = "n/a" if ratio is None else ("yes" if ratio <= metric.limit else "no")
        return ratio_text, f"<= {metric.limit:g}x", met
    if metric.target == "zero":
        met = "n/a" if value is None else ("yes" if value == 0 else "no")
        return ratio_text if value else "", "0", met
    if metric.target == "all" and sprankel is not None and metric.total is not None:
        total = metric.total(sprankel) if "error" not in sprankel else None
        met = "n/a" if value is None or total is None else ("yes" if value >= total else "no")
        return "", "all", met
    return (ratio_text if metric.ratio else ""), "", ""


def render_table(data: dict[str, Any]) -> str:
    results: dict[str, dict[str, Result]] = data["results"]
    lines = [
        "| Scenario | Metric | Node reference | pycrdt-websocket | Sprankel "
        "| Sprankel / Node | Target | Met |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for metric in METRICS:
        if metric.scenario not in results:
            continue
        row = results[metric.scenario]
        cells = []
        values: dict[str, float | None] = {}
        for column in COLUMNS:
            text, value = _cell(row.get(column), metric)
            cells.append(text)
            values[column] = value
        ratio, target, met = _verdict(metric, row.get("sprankel"), values["sprankel"],
                                      values["node"])
        title = SCENARIO_TITLES.get(metric.scenario, metric.scenario)
        lines.append(f"| {title} | {metric.label} | {' | '.join(cells)} | {ratio} | {target} "
                     f"| {met} |")
    lines.extend(_redis_rows(results))
    lines.extend(_export_rows(results))
    lines.extend(_growth_rows(results))
    return "\n".join(lines)


def _redis_rows(results: dict[str, dict[str, Result]]) -> list[str]:
    rows = _pair_rows(results, "redis-pair", "sprankel-redis", None, "small-rooms")
    # The cluster: the ratio to one process of the big room (the Redis pair runs the
    # many small rooms since issue 17, so the two are no longer side by side).
    rows += _pair_rows(results, "cluster-pair", "sprankel-cluster", None, "big-room")
    return rows


def _pair_rows(results: dict[str, dict[str, Result]], scenario: str, server: str,
               redis: Result | None, base: str) -> list[str]:
    if scenario not in results:
        return []
    title = SCENARIO_TITLES[scenario]
    pair = results[scenario].get(server, {})
    if "error" in pair:
        return [f"| {title} | not measured: {pair['error']} | — | — | n/a | | <= 2x of one "
                "process | n/a |"]
    single = results.get(base, {}).get("sprankel", {})
    rows = []
    for label, key, digits in (("fan-out latency p99 (ms)", "latency_p99_ms", 1),
                               ("server CPU incl. redis-server (cores)", "server_cpu_cores", 2)):
        value = pair.get(key)
        base = single.get(key)
        ratio = value / base if value is not None and base else None
        met = "n/a" if ratio is None else ("yes" if ratio <= 2.0 else "no")
        text = "n/a" if ratio is None else f"{ratio:.2f}x of one process"
        other = redis.get(key) if redis is not None else None
        if other and value is not None:
            text += f", {value / other:.2f}x of one Redis"
        rows.append(f"| {title} | {label} | — | — | {_fmt(value, digits)} | {text} | "
                    f"<= 2x of one process | {met} |")
    lost = pair.get("lost")
    rows.append(f"| {title} | deliveries missing 15 s after the window | — | — | "
                f"{_fmt(lost, 0)} | | 0 | "
                f"{'n/a' if lost is None else ('yes' if lost == 0 else 'no')} |")
    rows.append(f"| {title} | server event-loop lag, max (ms) | — | — | "
                f"{_fmt(pair.get('loop_lag_max_ms'), 1)} | | | |")
    return rows


def _growth_rows(results: dict[str, dict[str, Result]]) -> list[str]:
    """The growth table: one row per size, Node and Sprankel side by side."""
    row = results.get("growth")
    if not row:
        return []
    node, sprankel = row.get("node", {}), row.get("sprankel", {})
    store = row.get("store", {}).get("rows", {})
    lines = ["", "| Ideas | join ready, applied, p50 (ms): Node | Sprankel | Sprankel / Node "
             "| memory per open document (MiB): Node | Sprankel | compaction (ms) "
             "| loop lag while compacting, max (ms) | Markdown export (ms; CPU ms) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in sprankel.get("sizes") or node.get("sizes") or []:
        n = node.get("rows", {}).get(str(size), {})
        p = sprankel.get("rows", {}).get(str(size), {})
        st = store.get(str(size), {})
        a, b = n.get("join_ready_p50_ms"), p.get("join_ready_p50_ms")
        ratio = f"{b / a:.2f}x" if a and b is not None else "n/a"
        lines.append(
            f"| {size:,} | {_fmt(a, 1)} | {_fmt(b, 1)} | {ratio} | {_fmt(n.get('memory_mib'), 1)} "
            f"| {_fmt(p.get('memory_mib'), 1)} | {_fmt(st.get('compaction_ms'), 1)} "
            f"| {_fmt(st.get('compaction_loop_lag_max_ms'), 1)} | {_fmt(st.get('export_ms'), 0)}"
            f"{'; ' + _fmt(st['export_cpu_ms'], 0) if 'export_cpu_ms' in st else ''} |")
    return lines


def _export_rows(results: dict[str, dict[str, Result]]) -> list[str]:
    if "export" not in results:
        return []
    title = SCENARIO_TITLES["export"]
    export = results["export"].get("sprankel", {})
    if "error" in export:
        return [f"| {title} | not measured: {export['error']} | — | — | n/a | | | |"]
    return [
        f"| {title} | read from the store and render, p50 (ms) | — | — | "
        f"{_fmt(export.get('markdown_p50_ms'), 1)} | | | |",
        f"| {title} | render only, p50 (ms) | — | — | "
        f"{_fmt(export.get('render_only_p50_ms'), 1)} | | | |",
        f"| {title} | Markdown size (KiB) | — | — | "
        f"{_fmt((export.get('markdown_bytes') or 0) / 1024, 1)} | | | |",
        f"| {title} | archive zip (every export, whiteboard, MDTO), p50 (ms) | — | — | "
        f"{_fmt(export.get('zip_p50_ms'), 1)} | | | |",
        f"| {title} | archive zip size (KiB) | — | — | "
        f"{_fmt((export.get('zip_bytes') or 0) / 1024, 1)} | | | |",
    ]


_STORE_METRICS = (
    ("fan-out latency p50 (ms)", "latency_p50_ms", 1),
    ("fan-out latency p99 (ms)", "latency_p99_ms", 1),
    ("server CPU, PostgreSQL's processes included (cores)", "server_cpu_cores", 2),
    ("deliveries missing 15 s after the window", "lost", 0),
    ("deliveries expected", "deliveries_expected", 0),
    ("other load on the machine (cores)", "other_load_cores", 2),
)


def render_store_table(data: dict[str, Any]) -> str:
    """SQLite and PostgreSQL under the same load, and their ratio."""
    row = data["results"]["postgres"]
    sqlite, postgres = row.get("sprankel", {}), row.get("sprankel-postgres", {})
    lines = ["| Metric | SQLite store | PostgreSQL store | PostgreSQL / SQLite |",
             "| --- | ---: | ---: | ---: |"]
    for error in {r["error"] for r in (sqlite, postgres) if "error" in r}:
        lines.append(f"| not measured: {error} | | | |")
    if len(lines) > 2:
        return "\n".join(lines)
    for label, key, digits in _STORE_METRICS:
        a, b = sqlite.get(key), postgres.get(key)
        ratio = f"{b / a:.2f}x" if a and b is not None and key != "deliveries_expected" else ""
        lines.append(f"| {label} | {_fmt(a, digits)} | {_fmt(b, digits)} | {ratio} |")
    return "\n".join(lines)


def update_store_doc(doc: Path, data: dict[str, Any], table: str) -> None:
    meta = data["meta"]
    block = (
        f"{STORE_START}\n"
        f"Measured {meta['date']} at revision `{meta['revision']}`"
        f"{' (quick sizes: not for comparison)' if meta['quick'] else ''}: "
        f"{meta['scenarios'].get('postgres', '')}.\n\n"
        f"Machine: {meta['machine']}.\n\n{table}\n{STORE_END}"
    )
    _replace_block(doc, STORE_START, STORE_END, block)


def _replace_block(doc: Path, start: str, end: str, block: str) -> None:
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    doc.write_text(text)


def update_doc(doc: Path, data: dict[str, Any], table: str) -> None:
    """Replace the part of docs/benchmarks.md between the result markers."""
    meta = data["meta"]
    versions = "\n".join(f"- {name}: {text}" for name, text in meta["versions"].items())
    scenarios = "\n".join(f"- {SCENARIO_TITLES.get(k, k)}: {v}"
                          for k, v in meta["scenarios"].items())
    block = (
        f"{START}\n"
        f"Measured {meta['date']} at revision `{meta['revision']}`"
        f"{' (quick sizes: not for comparison)' if meta['quick'] else ''}.\n\n"
        f"Machine: {meta['machine']}.\n\n{versions}\n\nRoom sizes in this run:\n{scenarios}\n\n"
        f"{table}\n{END}"
    )
    _replace_block(doc, START, END, block)
