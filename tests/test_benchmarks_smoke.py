"""A smoke-sized run of the benchmark load generator against a real Sprankel server.

Speed is for the benchmarks (docs/benchmarks.md); this only checks that the load
generator and the server agree on every delivery, so a broken benchmark or a
server that loses updates under load is noticed in the ordinary test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ServerFactory
from server_process import ServerProcess

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_module(module: str, *args: str, timeout: float = 60) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_load_generator_delivers_every_update_to_every_client(open_server: ServerProcess) -> None:
    result = run_module(
        "benchmarks.room_load", "--url", open_server.ws_url + "/{room}",
        "--rooms", "2", "--clients", "6", "--rate", "4", "--duration", "2",
        "--processes", "2", "--awareness-interval", "1", "--json",
    )
    assert result["errors"] == []
    assert result["connected"] == result["clients"] == 12
    # 2 rooms x 6 clients x 8 ideas, each delivered to the 5 other clients of its room.
    assert result["ideas_sent"] == 2 * 6 * 8
    assert result["deliveries_expected"] == 2 * 6 * 8 * 5
    assert result["deliveries_received"] == result["deliveries_expected"]
    assert result["lost"] == 0
    assert result["closed_during_run"] == 0
    assert result["latency_p50_ms"] is not None


def test_whiteboard_cursors_reach_every_room_mate_with_their_newest_state(
    open_server: ServerProcess,
) -> None:
    result = run_module(
        "benchmarks.room_load", "--url", open_server.ws_url + "/{room}",
        "--rooms", "2", "--clients", "4", "--rate", "0.5", "--cursor-rate", "10",
        "--duration", "2", "--processes", "1", "--json",
    )
    assert result["errors"] == []
    assert result["cursor_moves_sent"] == 2 * 4 * 20
    assert result["cursor_newest_missing"] == 0  # every pair saw the last move
    assert result["cursor_p99_ms"] is not None
    assert result["lost"] == 0


def test_compressed_and_plain_clients_both_receive_everything(
    start_server: ServerFactory,
) -> None:
    # With permessage-deflate every socket needs its own bytes: the server's shared-frame
    # fast path must step aside for those sockets and deliver through the ordinary one.
    server = start_server("--open-documents", "--per-message-deflate")
    url = server.ws_url + "/{room}"
    compressed = run_module("benchmarks.room_load", "--url", url, "--clients", "5",
                            "--rate", "4", "--duration", "2", "--processes", "1", "--json")
    plain = run_module("benchmarks.room_load", "--url", url, "--clients", "5", "--rate", "4",
                       "--duration", "2", "--processes", "1", "--no-deflate", "--json")
    for result in (compressed, plain):
        assert result["connected"] == 5
        assert result["deliveries_expected"] == 5 * 8 * 4
        assert result["lost"] == 0


def test_join_scenarios_get_every_client_ready_with_the_whole_board(
    open_server: ServerProcess,
) -> None:
    result = run_module("benchmarks.joins", "--url", open_server.ws_url + "/{room}",
                        "--clients", "10", "--ideas", "200", "--burst", "3")
    first = result["first_join"]
    board = result["board_join"]
    assert isinstance(first, dict) and isinstance(board, dict)
    assert first["errors"] == []
    assert first["connected_min"] == 10
    assert board["errors"] == []
    assert board["alone_joins"] == 2
    assert board["verified"] is True  # every join received all 200 ideas
    # The burst spread over load processes (burst.py) and the same from this one process.
    assert board["burst_processes"] == 4
    assert board["burst_all_ready_p50_ms"] is not None
    assert board["one_process_burst_all_ready_p50_ms"] is not None


def test_a_burst_worker_started_by_hand_without_its_arguments_says_how() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.burst", "--worker"],
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert done.returncode != 0
    assert "usage: python -m benchmarks.burst --worker URL" in done.stderr


def test_soak_runs_sessions_with_joins_and_leaves_and_samples_the_server() -> None:
    """benchmarks/soak.py at a tiny size: its own server, sessions replaced, clients coming
    and going, and memory and open files sampled (the numbers are for docs/benchmarks.md)."""
    result = run_module(
        "benchmarks.soak", "--minutes", "0.15", "--sessions", "2", "--clients", "4",
        "--session-minutes", "0.05", "--sample-s", "2", "--step-s", "0.2", "--json",
        timeout=120,
    )
    assert result["errors"] == []
    assert isinstance(result["sessions_created"], int) and result["sessions_created"] >= 3
    assert isinstance(result["joins"], int) and result["joins"] >= 4
    assert isinstance(result["leaves"], int) and result["leaves"] >= 1
    samples = result["samples"]
    assert isinstance(samples, list) and len(samples) >= 3
    for sample in samples:
        assert sample["rss_mib"] > 0 and sample["open_fds"] > 0
        assert sample["documents"] >= 0 and sample["connections"] >= 0
