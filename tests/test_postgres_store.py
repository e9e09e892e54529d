"""What the PostgreSQL store does beyond the shared contract (tests/test_store_contract.py).

A real PostgreSQL (tests/postgres_server.py), used through an ordinary role that owns
its database, as on a managed platform.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from pycrdt import Doc, Map

from postgres_server import PASSWORD, PostgresServer
from sample_session import sample_session, store_sample_session
from server_process import free_port
from sprankel.config import Settings
from sprankel.export import render
from sprankel.export.command import run_export
from sprankel.store.group_commit import GroupCommit
from sprankel.store.pg_schema import MIGRATIONS
from sprankel.store.postgres import PostgresStore, PostgresUnavailable

pytestmark = pytest.mark.postgres


async def started(url: str, **options: Any) -> PostgresStore:
    store = PostgresStore(url, **options)
    await store.start()
    return store


def table_bytes(url: str) -> bytes:
    """Every byte value the store's document tables hold, as the role reads them."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT data FROM sprankel_updates UNION ALL "
                            "SELECT data FROM sprankel_snapshots").fetchall()
    return b"".join(bytes(row[0]) for row in rows)


async def test_compaction_removes_deleted_content_from_the_tables(postgres_url: str) -> None:
    store = await started(postgres_url)
    doc: Doc[Any] = Doc()
    ideas = doc.get("ideas", type=Map)
    for change in (lambda: ideas.__setitem__("gone", "SECRET-IDEA-7"),
                   lambda: ideas.__setitem__("kept", "visible"),
                   lambda: ideas.pop("gone")):
        before = doc.get_state()
        change()
        await store.append("sessions/s/board", doc.get_update(before))
    assert b"SECRET-IDEA-7" in table_bytes(postgres_url)  # the log still has it
    await store.compact("sessions/s/board")
    stored = table_bytes(postgres_url)
    assert b"SECRET-IDEA-7" not in stored
    assert b"visible" in stored
    await store.close()


async def test_the_store_runs_as_an_ordinary_role_that_owns_its_tables(
    postgres_url: str,
) -> None:
    store = await started(postgres_url)
    await store.put_record("session", "s1", {"title": "t"})
    await store.close()
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
                           " WHERE rolname = current_user").fetchone()
        assert row == (False, False, False)
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename LIKE 'sprankel_%'"
        ).fetchall()
        assert owners == [("sprankel",)]


async def test_appends_from_many_rooms_share_few_transactions(postgres_url: str) -> None:
    store = await started(postgres_url)
    await asyncio.gather(*(store.append(f"sessions/s{i}/board", Doc().get_update())
                           for i in range(50)))
    commits: GroupCommit = store.group_commit
    assert commits.items == 50
    assert commits.batches == 1  # all queued in one loop turn: one INSERT, one commit
    loaded = await asyncio.gather(*(store.load(f"sessions/s{i}/board") for i in range(50)))
    assert all(len(parts) == 1 for parts in loaded)
    await store.close()


async def test_one_bad_update_fails_only_its_own_append(postgres_url: str) -> None:
    store = await started(postgres_url)
    good = Doc().get_update()
    # PostgreSQL text cannot hold NUL: the batch fails as bad data, then each item alone.
    results = await asyncio.gather(store.append("good/one", good), store.append("bad\x00", good),
                                   store.append("good/two", good), return_exceptions=True)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], psycopg.DataError)
    assert await store.load("good/one") == [good]
    assert await store.load("good/two") == [good]
    await store.close()


async def test_migrations_started_together_apply_once(postgres_url: str) -> None:
    stores = [PostgresStore(postgres_url) for _ in range(4)]
    await asyncio.gather(*(store.start() for store in stores))  # four connections at once
    await stores[0].put_record("session", "s1", {"ok": True})
    assert await stores[3].get_record("session", "s1") == {"ok": True}
    for store in stores:
        await store.close()
    again = await started(postgres_url)  # idempotent: nothing left to do
    await again.close()
    with psycopg.connect(postgres_url) as conn:
        versions = conn.execute("SELECT version FROM sprankel_schema ORDER BY version").fetchall()
    assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]


async def test_a_database_of_a_newer_sprankel_is_refused(postgres_url: str) -> None:
    await (await started(postgres_url)).close()  # migrated to this version
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO sprankel_schema (version) VALUES (%s)", (len(MIGRATIONS) + 1,))
    with pytest.raises(RuntimeError, match="upgrade Sprankel"):
        await started(postgres_url)


async def test_a_role_without_create_rights_gets_a_clear_message(
    postgres_cluster: PostgresServer, postgres_url: str,
) -> None:
    with postgres_cluster.superuser() as conn:
        conn.execute("CREATE ROLE visitor LOGIN PASSWORD 'visitor'")
    dbname = postgres_url.rsplit("/", 1)[1]
    url = f"postgresql://visitor:visitor@127.0.0.1:{postgres_cluster.port}/{dbname}"
    try:
        with pytest.raises(PostgresUnavailable) as refused:
            await started(url)
        assert "needs CREATE on its schema" in str(refused.value)
    finally:
        with postgres_cluster.superuser() as conn:
            conn.execute("DROP ROLE visitor")


async def test_a_role_with_only_the_table_grants_runs_a_migrated_database(
    postgres_cluster: PostgresServer, postgres_url: str,
) -> None:
    await (await started(postgres_url)).close()  # the owner made the tables
    dbname = postgres_url.rsplit("/", 1)[1]
    with postgres_cluster.superuser(dbname) as conn:
        conn.execute("CREATE ROLE runner LOGIN PASSWORD 'runner'")
        # The grants docs/scaling.md lists for a role that may not create tables.
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO runner").format(
            sql.Identifier(dbname)))
        conn.execute("GRANT USAGE ON SCHEMA public TO runner")
        conn.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                     "TO runner")
        conn.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO runner")
    url = f"postgresql://runner:runner@127.0.0.1:{postgres_cluster.port}/{dbname}"
    try:
        store = await started(url)
        await store.append("doc", Doc().get_update())
        await store.compact("doc")
        await store.update_record("tally", "r1", lambda r: {"n": 1})
        assert await store.list_records("tally") == {"r1": {"n": 1}}
        await store.close()
    finally:
        with postgres_cluster.superuser(dbname) as conn:
            conn.execute("DROP OWNED BY runner")
            conn.execute("DROP ROLE runner")


async def test_a_wrong_password_is_refused_with_a_clear_message(
    postgres_cluster: PostgresServer, postgres_url: str,
) -> None:
    dbname = postgres_url.rsplit("/", 1)[1]
    store = PostgresStore(postgres_cluster.url(dbname, password="wrong-s3cret"),
                          startup_wait_s=0.3)
    with pytest.raises(PostgresUnavailable) as refused:
        await store.start()
    message = str(refused.value)
    assert "password authentication failed" in message
    assert "Check --database-url" in message
    assert "wrong-s3cret" not in message and PASSWORD not in message
    assert "\n" not in message  # one line in the log
    await store.close()


async def test_an_unreachable_server_is_refused_after_the_wait() -> None:
    store = PostgresStore(f"postgresql://sprankel:s3cret@127.0.0.1:{free_port()}/sprankel",
                          startup_wait_s=0.3)
    with pytest.raises(PostgresUnavailable) as refused:
        await store.start()
    message = str(refused.value)
    assert "did not accept a connection for" in message
    assert "127.0.0.1" in message and "s3cret" not in message


@pytest.mark.parametrize("url", [
    "postgresql://sprankel:s3cret@127.0.0.1/x?bogus_option=1",
    "postgresql://sprankel:s3%zzcret@127.0.0.1/x",
])
async def test_a_malformed_url_is_refused_at_once(url: str) -> None:
    store = PostgresStore(url, startup_wait_s=30)
    with pytest.raises(PostgresUnavailable, match="is not a PostgreSQL URL") as refused:
        await asyncio.wait_for(store.start(), 5)  # not after the 30 s wait
    assert "s3" not in str(refused.value)


async def test_a_port_that_is_not_a_number_is_named_without_the_password() -> None:
    store = PostgresStore("postgresql://sprankel:s3cret@127.0.0.1:notaport/x",
                          startup_wait_s=0.3)
    with pytest.raises(PostgresUnavailable) as refused:
        await store.start()
    assert "postgresql://sprankel:***@127.0.0.1:notaport/x" in str(refused.value)
    assert "s3cret" not in str(refused.value)


async def test_readiness_follows_the_server() -> None:
    server = PostgresServer().start()
    try:
        url = server.database()
        store = await started(url)
        assert await store.healthy()
        server.stop()
        assert not await store.healthy()
        with pytest.raises(psycopg.OperationalError):
            await store.append("doc", Doc().get_update())  # refused: the room closes 1011
        server.start()
        deadline = asyncio.get_running_loop().time() + 30
        while not await store.healthy():  # the pool reconnects by itself
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.1)
        await store.append("doc", Doc().get_update())
        await store.close()
    finally:
        server.destroy()


async def test_export_reads_the_postgres_store(tmp_path: Path, postgres_url: str) -> None:
    store = await started(postgres_url)
    try:
        sid = await store_sample_session(store, 25, language="nl")
    finally:
        await store.close()
    settings = Settings(store="postgres", database_url=postgres_url, data_dir=tmp_path / "unused")
    out = tmp_path / "summary.md"
    err = io.StringIO()
    code = await asyncio.to_thread(run_export, settings, sid, "md", out, stderr=err)
    assert code == 0, err.getvalue()
    expected = render(sample_session(25, "nl", session_id=sid), "md")
    assert out.read_text(encoding="utf-8").split("\n---\n")[0] == expected.split("\n---\n")[0]
    assert not (tmp_path / "unused").exists()
