"""Shared fixtures: real servers on free ports, cleaned up after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from api_harness import Api
from postgres_server import PostgresServer, session_server
from server_process import ServerProcess

# The browser fixtures (chromium, playwright_instance, sprankel) for every test module; a
# module may define its own of the same name (test_browser_voice.py's chromium).
pytest_plugins = ["browser_support"]

ServerFactory = Callable[..., ServerProcess]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start `sprankel serve` with extra flags; every server is stopped after the test."""
    started: list[ServerProcess] = []

    def start(*flags: str, data_dir: Path | None = None, env: dict[str, str] | None = None,
              port: int | None = None) -> ServerProcess:
        server = ServerProcess(data_dir or tmp_path / "data", *flags, env=env, port=port)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    """The sessions API of a fresh server (a test module may define its own)."""
    client = Api(start_server("--room-grace-s", "0.5"))
    yield client
    await client.aclose()


@pytest.fixture
def open_server(start_server: ServerFactory) -> ServerProcess:
    """A server with open documents (no tokens), as for interop and sync tests."""
    return start_server("--open-documents", "--room-grace-s", "0.5")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the whole run (tests/postgres_server.py); started on first use."""
    yield from session_server()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresServer) -> str:
    """A fresh database of this test's own, owned by an ordinary role."""
    return postgres_cluster.database()
