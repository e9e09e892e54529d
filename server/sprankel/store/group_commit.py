"""Group commit: appends that arrive together are written in one transaction.

A busy server appends small updates to many rooms at once; one transaction each
would cost a commit (a WAL flush in PostgreSQL) per update. Here the appends queued
in one event-loop turn, and those that queue while a write is in flight, go out
together as the next batch. Each caller's await returns only once its batch has
committed, or raises what the write raised: nothing is acknowledged before it is
durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Batch = list[tuple[str, bytes]]


class GroupCommit:
    def __init__(self, write: Callable[[Batch], Awaitable[None]],
                 isolate: tuple[type[BaseException], ...] = ()) -> None:
        """``write`` stores one batch in one transaction. When it raises one of
        ``isolate`` (bad data, not an outage) each item is written alone, so that one
        bad update does not fail the rooms whose updates shared its batch."""
        self._write = write
        self._isolate = isolate
        self._queue: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # committed transactions, for tests and benchmarks
        self.items = 0

    async def append(self, name: str, update: bytes) -> None:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((name, update, future))
        if self._writer is None:
            # Runs from the next loop turn: every append queued in this one joins it.
            self._writer = asyncio.create_task(self._drain(), name="store group commit")
        await asyncio.shield(future)  # a cancelled caller does not cancel the others' write

    async def close(self) -> None:
        """Wait for the writes in flight."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._commit(batch)
        finally:
            self._writer = None

    async def _commit(self, batch: list[tuple[str, bytes, asyncio.Future[None]]]) -> None:
        try:
            await self._write([(name, update) for name, update, _ in batch])
        except self._isolate as error:
            if len(batch) == 1:
                _fail(batch, error)
                return
            for item in batch:
                await self._commit([item])
            return
        except Exception as error:
            _fail(batch, error)
            return
        except BaseException as error:  # cancelled: the callers must not wait forever
            _fail(batch, error)
            raise
        self.batches += 1
        self.items += len(batch)
        for _, _, future in batch:
            if not future.done():
                future.set_result(None)


def _fail(batch: list[tuple[str, bytes, asyncio.Future[None]]], error: BaseException) -> None:
    for _, _, future in batch:
        if not future.done():
            future.set_exception(error)
