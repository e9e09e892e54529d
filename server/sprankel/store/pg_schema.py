"""The PostgreSQL store's tables, created and upgraded by the application's own role.

Migrations are numbered; ``sprankel_schema`` holds the highest one applied. They run
under a session advisory lock, so processes starting at once take turns instead of
racing on CREATE TABLE (which fails with a unique violation when two run it together),
and each migration commits with its version in one transaction, so a process that
dies halfway leaves the database at the previous version. Nothing needs superuser
rights: the role needs CREATE on its schema (the database owner has it).
"""

from __future__ import annotations

import logging

from psycopg import AsyncConnection
from psycopg.rows import TupleRow

log = logging.getLogger("sprankel.store")

# The first key of every advisory lock Sprankel takes, so that other users of the
# same database (with their own advisory locks) do not collide with ours.
LOCK_CLASS = 0x5350_524B  # "SPRK"
MIGRATION_LOCK = 0  # second key of the migration lock; documents and records use hashes

# Keys are compared byte by byte (collation "C"), so listing by prefix is a range
# scan on the primary key whatever the database's locale is.
MIGRATIONS: list[str] = [
    # 1: documents (snapshot + log) and records
    """
    CREATE TABLE sprankel_updates (
        id bigserial PRIMARY KEY,
        doc text COLLATE "C" NOT NULL,
        data bytea NOT NULL
    );
    CREATE INDEX sprankel_updates_by_doc ON sprankel_updates (doc, id);
    CREATE TABLE sprankel_snapshots (
        doc text COLLATE "C" PRIMARY KEY,
        data bytea NOT NULL
    );
    CREATE TABLE sprankel_records (
        kind text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        data text NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
]


async def migrate(conn: AsyncConnection[TupleRow]) -> int:
    """Bring the schema to the newest version; returns it. ``conn`` is in autocommit."""
    await conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, MIGRATION_LOCK))
    try:
        cursor = await conn.execute("SELECT to_regclass('sprankel_schema') IS NULL")
        row = await cursor.fetchone()
        if row is not None and row[0]:
            # Only when missing: CREATE ... IF NOT EXISTS needs CREATE on the schema even
            # when the table is there, and a role may have been given only the tables.
            await conn.execute("CREATE TABLE sprankel_schema (version integer NOT NULL)")
        cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM sprankel_schema")
        row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        if current > len(MIGRATIONS):
            # A newer Sprankel migrated this database; running on would misread it.
            raise RuntimeError(
                f"the database has schema version {current}, this Sprankel knows up to "
                f"{len(MIGRATIONS)}: upgrade Sprankel")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            async with conn.transaction():
                await conn.execute(MIGRATIONS[version - 1])
                await conn.execute("INSERT INTO sprankel_schema (version) VALUES (%s)",
                                   (version,))
            log.info("postgres store schema migrated to version %d", version)
        return len(MIGRATIONS)
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, MIGRATION_LOCK))
