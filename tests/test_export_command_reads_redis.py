"""`sprankel export` reads the Redis store, and says so when Redis does not answer."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from redis_server import RedisServer
from sample_session import sample_session, store_sample_session
from server_process import free_port
from sprankel.config import Settings
from sprankel.export import render
from sprankel.export.command import run_export
from sprankel.store.redis import RedisStore


def without_generation_line(markdown: str) -> str:
    return markdown.split("\n---\n")[0]


@pytest.mark.redis
async def test_export_reads_the_redis_store(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as redis:
        store = RedisStore(redis.url)
        await store.start()
        try:
            sid = await store_sample_session(store, 25, language="nl")
        finally:
            await store.close()
        settings = Settings(store="redis", redis_url=redis.url, data_dir=tmp_path / "unused")
        out = tmp_path / "summary.md"
        err = io.StringIO()
        code = await asyncio.to_thread(run_export, settings, sid, "md", out, stderr=err)
        assert code == 0, err.getvalue()
        assert without_generation_line(out.read_text(encoding="utf-8")) == \
            without_generation_line(render(sample_session(25, "nl", session_id=sid), "md"))
        assert not (tmp_path / "unused").exists()


def test_the_command_says_when_redis_does_not_answer(tmp_path: Path) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    err = io.StringIO()
    settings = Settings(store="redis", redis_url=closed, data_dir=tmp_path)
    assert run_export(settings, "x", "md", None, stderr=err) == 1
    assert "cannot read the store" in err.getvalue()
