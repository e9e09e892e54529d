"""Operations: health probes, and a shutdown that tells clients to reconnect."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request

from pycrdt import Map

from conftest import ServerFactory
from server_process import ServerProcess
from sprankel import status
from yclient import YClient


def get_json(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_health_and_readiness(open_server: ServerProcess) -> None:
    assert get_json(open_server.http_url + "/healthz") == (200, {"status": "ok",
                                                                 "version": "0.1.0"})
    assert get_json(open_server.http_url + "/readyz") == (200, {"status": "ready"})


async def test_sigterm_closes_sockets_with_1001_and_keeps_every_edit(
    start_server: ServerFactory,
) -> None:
    server = start_server("--open-documents")
    url = server.ws_url + "/sessions/term/board"
    client = await YClient(url).connect()
    for i in range(20):
        await client.change(lambda d, i=i: d.get("ideas", type=Map).__setitem__(str(i), i))
    await asyncio.sleep(0.2)
    port = server.port
    await asyncio.to_thread(server.stop, signal.SIGTERM)
    assert await client.wait_closed() == status.CLOSE_GOING_AWAY
    await client.close()
    assert "ws close doc=sessions/term/board" in server.log()

    start_server("--open-documents", port=port)
    again = await YClient(url).connect()
    assert len(again.doc.get("ideas", type=Map)) == 20
    await again.close()


def test_workers_without_redis_are_refused(start_server: ServerFactory) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "sprankel.cli", "serve", "--workers", "2"],
        capture_output=True, text=True, timeout=30,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "server"},
    )
    assert result.returncode == 2
    assert "needs REDIS_URL" in result.stderr


def test_unknown_api_path_gets_a_json_404(open_server: ServerProcess) -> None:
    import urllib.error

    try:
        urllib.request.urlopen(open_server.http_url + "/api/no/such/thing", timeout=5)
    except urllib.error.HTTPError as error:
        assert error.code == 404
        assert json.loads(error.read()) == {"error": "not_found",
                                            "message": "no such API endpoint"}
    else:
        raise AssertionError("expected a 404")


def test_every_request_gets_an_id_in_its_answer_and_its_log_line(
        open_server: ServerProcess) -> None:
    def request_id(sent: str | None) -> str:
        request = urllib.request.Request(open_server.http_url + "/healthz")
        if sent is not None:
            request.add_header("X-Request-Id", sent)
        with urllib.request.urlopen(request, timeout=5) as response:
            return str(response.headers["X-Request-Id"])

    fresh = request_id(None)
    assert len(fresh) == 16 and fresh != request_id(None)
    assert request_id("from-the-proxy.42") == "from-the-proxy.42"  # a proxy's id is kept
    replaced = request_id("bad id\u00e9; drop table")  # not a plain token: a new one
    assert len(replaced) == 16 and " " not in replaced
    assert f"req={fresh}" in open_server.log()  # the access line of that request
