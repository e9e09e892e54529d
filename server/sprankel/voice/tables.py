"""Who sits at which table, and the relay of signalling between the seats of one table.

A *place* is where tables stand: a Koffiehoek space (``spaces/ID``) or a session's
hallway (``sessions/ID``). Everyone with the place's page open *watches* it (they see
who sits where); a seat is one browser at one table.

Seats live in memory only: each process keeps its own, and tells the others through
broker presence (document ``voice:PLACE/TABLE``, one entry per seat), so a crashed
process's seats vanish when its heartbeat does, exactly as presence does. Nothing is
stored. Changes are announced on the event channel ``voice:PLACE``; every process with
watchers of that place then reads the tables again and tells its own watchers.

A signal (offer, answer, ICE candidate) goes only from a seat to another seat of the
same table: the sender's process checks the target is seated there (its view, read
afresh from the broker before refusing), and the target's process, reached on its own
channel ``voice-relay:PROCESS``, checks again before it delivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..broker import Broker, PresenceEntry, Subscription
from ..kernel.ids import new_id
from .ice import IceServers

log = logging.getLogger("sprankel.voice")

REFRESH_S = 10.0  # a crashed process's seats drop out of the views within this (and the TTL)


@dataclass(frozen=True)
class TableSpec:
    id: str
    name: str
    seats: int
    muted_on_arrival: bool = False
    cameras: bool = False
    members: tuple[str, ...] = ()  # only they may sit (a coffee group's table); (): anyone

    def to_json(self) -> dict[str, Any]:
        found = {"id": self.id, "name": self.name, "seats": self.seats,
                 "muted_on_arrival": self.muted_on_arrival, "cameras": self.cameras}
        return {**found, "members": list(self.members)} if self.members else found


LoadTables = Callable[[], Awaitable[list[TableSpec]]]


class Client(Protocol):
    """One open voice socket, as the tables see it (api/voice.py implements it)."""

    member_id: str
    name: str

    def send(self, message: dict[str, Any]) -> None: ...  # queued, never blocks

    def close(self, code: int, reason: str) -> None: ...


class TableFull(Exception):
    pass


class NotAtTable(Exception):
    pass


class NotYourTable(Exception):
    """The table is kept for others (a coffee group the member is not in)."""


@dataclass
class Seat:
    id: str
    place: str
    table: str
    client: Client
    muted: bool
    camera: bool
    connected_at: float

    def entry(self, process: str) -> PresenceEntry:
        return PresenceEntry(self.id, seat_document(self.place, self.table), process,
                             self.connected_at, self.connected_at,
                             {"member": self.client.member_id, "name": self.client.name,
                              "muted": self.muted, "camera": self.camera})


@dataclass
class _Place:
    load: LoadTables
    watchers: set[Client] = field(default_factory=set)
    subscription: Subscription | None = None
    tables: list[TableSpec] = field(default_factory=list)
    seated: dict[str, list[PresenceEntry]] = field(default_factory=dict)  # table -> seats
    refresh: asyncio.Task[None] | None = None
    again: bool = False
    shown: dict[str, Any] | None = None  # the last view sent (the periodic read repeats none)


def seat_document(place: str, table: str) -> str:
    # A ':' keeps it off every document name, so no document API can read the seats.
    return f"voice:{place}/{table}"


class Voice:
    def __init__(self, broker: Broker, ice: IceServers,
                 clock: Callable[[], float] = time.time) -> None:
        self.broker = broker
        self.ice = ice
        self.clock = clock
        self._places: dict[str, _Place] = {}
        self._seats: dict[Client, Seat] = {}
        self._relay: Subscription | None = None
        self._ticker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._relay = await self.broker.subscribe_events(
            f"voice-relay:{self.broker.process_id}", self._relayed)
        self._ticker = asyncio.create_task(self._tick(), name="voice refresh")

    async def stop(self) -> None:
        tasks = [t for t in (self._ticker, *(p.refresh for p in self._places.values()))
                 if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for place in self._places.values():
            if place.subscription is not None:
                await place.subscription.close()
        self._places.clear()
        if self._relay is not None:
            await self._relay.close()

    # Watching a place

    async def watch(self, place: str, client: Client, load: LoadTables) -> None:
        state = self._places.get(place)
        if state is None:
            state = self._places[place] = _Place(load)
            state.subscription = await self.broker.subscribe_events(
                f"voice:{place}", lambda event: self._event(place, event))
        state.watchers.add(client)
        await self._read(place, state)
        client.send(self._view(state))

    async def unwatch(self, place: str, client: Client) -> None:
        await self.leave(client)
        state = self._places.get(place)
        if state is None:
            return
        state.watchers.discard(client)
        if not state.watchers:
            del self._places[place]
            if state.refresh is not None:
                state.refresh.cancel()
            if state.subscription is not None:
                await state.subscription.close()

    async def tables_changed(self, place: str) -> None:
        """A table was added or changed (in the place's record): every watcher reads it."""
        await self.broker.publish_event(f"voice:{place}", {"changed": True})

    def refresh(self, place: str) -> None:
        """Something a place's tables depend on changed here (a session started): read
        them again, on this process only (each process hears of it for itself)."""
        state = self._places.get(place)
        if state is not None:
            self._schedule(place, state)

    async def seated_count(self, place: str, table: str) -> int:
        return len(await self.broker.presence(seat_document(place, table)))

    async def drop_member(self, place: str, member_id: str, reason: str, code: int) -> None:
        """Close every voice socket of a member in a place, on every process, at once."""
        await self.broker.publish_event(f"voice:{place}",
                                        {"drop": member_id, "reason": reason, "code": code})

    # Sitting and leaving

    async def sit(self, place: str, client: Client, table: TableSpec) -> Seat:
        if table.members and client.member_id not in table.members:
            raise NotYourTable(table.id)
        await self.leave(client)
        document = seat_document(place, table.id)
        if len(await self.broker.presence(document)) >= table.seats:
            raise TableFull(table.id)
        seat = Seat(new_id(), place, table.id, client, table.muted_on_arrival, False,
                    self.clock())
        await self.broker.presence_join(seat.entry(self.broker.process_id))
        # Two processes may seat the last chair at once: the later arrival stands up.
        order = [e.connection_id for e in await self.broker.presence(document)]
        if seat.id in order and order.index(seat.id) >= table.seats:
            await self.broker.presence_leave(document, seat.id)
            raise TableFull(table.id)
        self._seats[client] = seat
        await self._changed(place)
        return seat

    async def leave(self, client: Client) -> Seat | None:
        seat = self._seats.pop(client, None)
        if seat is not None:
            await self.broker.presence_leave(seat_document(seat.place, seat.table), seat.id)
            await self._changed(seat.place)
        return seat

    async def set_state(self, client: Client, muted: bool, camera: bool) -> None:
        seat = self._seats.get(client)
        if seat is None:
            raise NotAtTable("sit down first")
        seat.muted, seat.camera = muted, camera
        await self.broker.presence_join(seat.entry(self.broker.process_id))
        await self._changed(seat.place)

    def seat_of(self, client: Client) -> Seat | None:
        return self._seats.get(client)

    def ice_servers(self, client: Client) -> list[dict[str, Any]]:
        return self.ice.for_member(client.member_id, self.clock())

    async def peers(self, seat: Seat) -> list[PresenceEntry]:
        """The other seats at the table, read afresh (a newcomer calls each of them)."""
        entries = await self.broker.presence(seat_document(seat.place, seat.table))
        return [e for e in entries if e.connection_id != seat.id]

    # Signalling

    async def signal(self, client: Client, to: str, payload: dict[str, Any]) -> None:
        seat = self._seats.get(client)
        if seat is None:
            raise NotAtTable("sit at a table before signalling")
        target = await self._find(seat, to)
        if target is None or to == seat.id:
            raise NotAtTable("that seat is not at your table")
        relayed = {"place": seat.place, "table": seat.table, "to": to, "from": seat.id,
                   "member": client.member_id, "name": client.name, "payload": payload}
        if target.process == self.broker.process_id:
            self._relayed(relayed)
        else:
            await self.broker.publish_event(f"voice-relay:{target.process}", relayed)

    async def _find(self, seat: Seat, to: str) -> PresenceEntry | None:
        state = self._places.get(seat.place)
        known = state.seated.get(seat.table, []) if state is not None else []
        for entry in known:
            if entry.connection_id == to:
                return entry
        # A newcomer's offer may arrive before its table's change did: ask the broker.
        for entry in await self.broker.presence(seat_document(seat.place, seat.table)):
            if entry.connection_id == to:
                return entry
        return None

    def _relayed(self, event: dict[str, Any]) -> None:
        for seat in self._seats.values():
            if seat.id == event.get("to"):
                # The receiving end checks the table as well: a relay reaches only its table.
                if seat.place == event.get("place") and seat.table == event.get("table"):
                    seat.client.send({"type": "signal", "from": event.get("from"),
                                      "member": event.get("member"),
                                      "name": event.get("name"), **event.get("payload", {})})
                return

    # What every watcher sees

    async def _changed(self, place: str) -> None:
        await self.broker.publish_event(f"voice:{place}", {"changed": True})

    def _event(self, place: str, event: dict[str, Any]) -> None:
        state = self._places.get(place)
        if state is None:
            return
        member = event.get("drop")
        if isinstance(member, str):
            code = event.get("code")
            for client in [c for c in state.watchers if c.member_id == member]:
                client.close(code if isinstance(code, int) else 4403,
                             str(event.get("reason", "removed")))
            return
        self._schedule(place, state)

    def _schedule(self, place: str, state: _Place) -> None:
        # One read at a time per place; a burst of changes costs one more read, not many.
        if state.refresh is not None and not state.refresh.done():
            state.again = True
            return
        state.refresh = asyncio.create_task(self._refresh(place, state), name="voice view")

    async def _refresh(self, place: str, state: _Place) -> None:
        while True:
            state.again = False
            try:
                await self._read(place, state)
            except Exception:
                log.exception("voice view failed place=%s", place)
            view = self._view(state)
            if view != state.shown:
                state.shown = view
                for client in list(state.watchers):
                    client.send(view)
            if not state.again:
                return

    async def _read(self, place: str, state: _Place) -> None:
        state.tables = await state.load()
        state.seated = {t.id: await self.broker.presence(seat_document(place, t.id))
                        for t in state.tables}
        # A table that closed (a session's hallway when the first round starts) stands up
        # whoever still sits there on this process; each process does its own.
        standing = [seat for seat in self._seats.values() if seat.place == place
                    and seat.table not in state.seated]
        for seat in standing:
            await self.leave(seat.client)
            seat.client.send({"type": "left", "reason": "closed"})

    def _view(self, state: _Place) -> dict[str, Any]:
        return {"type": "tables", "tables": [
            {**table.to_json(), "sitting": [
                {"seat": e.connection_id, "member": e.user.get("member"),
                 "name": e.user.get("name"), "muted": bool(e.user.get("muted")),
                 "camera": bool(e.user.get("camera"))}
                for e in state.seated.get(table.id, [])]}
            for table in state.tables]}

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_S)
            for place, state in list(self._places.items()):
                self._schedule(place, state)
