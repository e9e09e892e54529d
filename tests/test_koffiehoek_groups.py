"""Random coffee: at a pairing moment each group gets a table of its own, only its members
sit there, a signal never crosses to another group's table, the tables go after the
moment, and with two processes on one Redis the groups are made once."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Array

from conftest import ServerFactory
from koffiehoek_harness import Seen, chat_open
from redis_server import RedisServer
from server_process import ServerProcess
from sprankel import status
from sprankel.api.voice import space_place, space_tables
from sprankel.broker import Broker
from sprankel.broker.memory import MemoryBroker
from sprankel.broker.redis import RedisBroker
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.tokens import TokenSigner
from sprankel.koffiehoek import groups
from sprankel.koffiehoek.chat import chat_name
from sprankel.koffiehoek.gatherings import Gatherings
from sprankel.koffiehoek.spaces import Koffiehoek, Member, Space
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager
from sprankel.voice.ice import IceServers
from sprankel.voice.tables import Voice
from voice_client import VoiceClient, new_space
from yclient import YClient

SDP = "v=0\r\n"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MOMENT_S = 90.0  # the moments are checked every 20 s; a loaded machine takes longer


# In one process, on the manual clock: the tables' life


class Process:
    """The Koffiehoek, its gatherings and the voice tables of one process."""

    def __init__(self, store: SQLiteStore, broker: Broker, clock: ManualClock) -> None:
        self.broker, self.clock = broker, clock
        self.rooms = RoomManager(store, broker, grace_s=60, outbox_limit=1 << 20)
        self.k = Koffiehoek(store, broker, self.rooms, TokenSigner(b"k" * 32),
                            retention_days=7, clock=clock)
        self.g = Gatherings(self.k)
        self.voice = Voice(broker, IceServers())

    async def here(self, space: Space, *members: Member) -> None:
        await chat_open(self.broker, self.clock, space, *members)

    async def tables(self, space: Space) -> list[Any]:
        return await space_tables(self.k, self.g, self.voice, space.id)

    async def close(self) -> None:
        await self.voice.stop()
        await self.rooms.shutdown()


def at(hour: int, minute: int) -> int:
    when = datetime.datetime(2026, 12, 1, hour, minute, tzinfo=datetime.UTC)  # a Tuesday
    return int(when.timestamp() * 1000)


MOMENT = {"weekdays": ["TU"], "time": "10:00", "duration_min": 15, "time_zone": "UTC",
          "table": "koffietafel", "pairing": True}


@pytest.fixture
async def one(tmp_path: Path) -> AsyncIterator[Process]:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.start()
    process = Process(store, MemoryBroker(), ManualClock(at(9, 0)))
    await process.voice.start()
    yield process
    await process.close()
    await store.close()


async def space_of(p: Process, opted: int, others: int = 0) -> tuple[Space, list[Member]]:
    space, ada, _ = await p.k.create_space("Team", "Ada", "nl")
    people = [ada] + [(await p.k.join(space.id, f"M{i}"))[0] for i in range(opted + others - 1)]
    await p.here(space, *people)
    for member in people[:opted]:
        await p.g.set_pairing(space, member, True)
    return await p.g.add_moment(space, MOMENT), people


async def test_five_give_two_groups_each_at_a_table_of_its_own(one: Process) -> None:
    space, people = await space_of(one, opted=5, others=1)
    one.clock._now = at(10, 1)
    assert await one.g.invite_due_moments() == 1
    [moment] = [m for m in await one.k.messages(space.id) if m["kind"] == "moment"]
    assert sorted(len(g) for g in moment["pairs"]) == [2, 3]
    tables = {t.id: t for t in await one.tables(space)}
    assert sorted(tables) == ["koffie-1", "koffie-2", "koffietafel"]
    assert moment["group_tables"] == ["koffie-1", "koffie-2"]
    for table_id, group in zip(moment["group_tables"], moment["pairs"], strict=True):
        assert list(tables[table_id].members) == group
        assert tables[table_id].seats == len(group) + groups.SPARE_SEATS
    assert people[5].id not in {m for g in moment["pairs"] for m in g}  # did not opt in
    assert tables["koffietafel"].members == ()  # the space's own table: anyone


async def test_the_tables_go_after_the_moment_once_empty(one: Process) -> None:
    space, people = await space_of(one, opted=6)
    one.clock._now = at(10, 1)
    await one.g.invite_due_moments()
    [moment] = [m for m in await one.k.messages(space.id) if m["kind"] == "moment"]
    first, second = moment["group_tables"]
    by_id = {p.id: p for p in people}
    a, b = by_id[moment["pairs"][0][0]], by_id[moment["pairs"][1][0]]
    ada, bram = Seen(a.id, a.name), Seen(b.id, b.name)
    place = space_place(space.id)

    async def load() -> list[Any]:
        return await one.tables(space)

    for seen, table in ((ada, first), (bram, second)):
        await one.voice.watch(place, seen, load)
        await one.voice.sit(place, seen, {t.id: t for t in await load()}[table])

    # The moment is over (10:15): a table still talking stays; it goes once empty.
    one.clock._now = at(10, 16)
    assert [t.id for t in await load()] == ["koffietafel", first, second]
    await one.voice.leave(bram)
    assert [t.id for t in await load()] == ["koffietafel", first]
    assert (await one.g.group_tables(space.id))[1]["id"] == second  # kept, not standing

    # A group that talks on is stood up OVERTIME_MS after the end at the latest.
    one.clock._now = at(10, 15) + groups.OVERTIME_MS + 1
    await one.voice.tables_changed(place)
    async with asyncio.timeout(10):
        while not any(m.get("type") == "left" for m in ada.messages):
            await asyncio.sleep(0.01)
    assert one.voice.seat_of(ada) is None
    assert [t.id for t in await load()] == ["koffietafel"]
    # Who was grouped with whom is forgotten with the tables.
    await one.g.forget_past_groups()
    assert await one.g.group_tables(space.id) == []
    assert await one.k.store.get_record(groups.GROUPS, space.id) is None


async def test_a_lone_member_who_opted_in_is_invited_to_the_main_table(one: Process) -> None:
    space, _ = await space_of(one, opted=1, others=2)
    one.clock._now = at(10, 1)
    await one.g.invite_due_moments()
    [moment] = [m for m in await one.k.messages(space.id) if m["kind"] == "moment"]
    assert moment["pairs"] == [] and moment["group_tables"] == []
    assert moment["moment"]["table"] == "koffietafel"
    assert [t.id for t in await one.tables(space)] == ["koffietafel"]
    assert await one.k.store.get_record(groups.GROUPS, space.id) is None


def test_numbers_go_on_past_the_tables_still_standing() -> None:
    made = groups.new_tables([["a", "b"], ["c", "d", "e"]], "m2", 1000, ["koffie-1", "koffie-3"])
    assert [(t["id"], t["name"], t["seats"]) for t in made] == [
        ("koffie-2", "Koffie 2", 3), ("koffie-4", "Koffie 4", 4)]
    assert groups.live(made, 1000 + groups.OVERTIME_MS) == []
    assert groups.standing(made[0], 999, 0) and not groups.standing(made[0], 1000, 0)
    assert groups.standing(made[0], 1000, 1)


# Two processes on one real Redis, deciding at the same instant


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
async def test_two_processes_on_redis_make_one_set_of_groups(
        tmp_path: Path, redis: RedisServer) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.start()
    clock = ManualClock(at(9, 0))
    brokers = [RedisBroker(redis.url), RedisBroker(redis.url)]
    for broker in brokers:
        await broker.start()
    a, b = (Process(store, broker, clock) for broker in brokers)
    try:
        space, people = await space_of(a, opted=5)  # presence is Redis's: b sees them too
        clock._now = at(10, 1)
        sent = await asyncio.gather(a.g.invite_due_moments(), b.g.invite_due_moments())
        assert sorted(sent) == [0, 1]
        record = await store.get_record(groups.GROUPS, space.id)
        assert record is not None
        assert [t["id"] for t in record["tables"]] == ["koffie-1", "koffie-2"]
        assert [t.id for t in await a.tables(space)] == [t.id for t in await b.tables(space)]
        assert sorted(m for t in record["tables"] for m in t["members"]) == \
            sorted(p.id for p in people)
    finally:
        await a.close()
        await b.close()
        for broker in brokers:
            await broker.close()
        await store.close()


# The real server: sockets, refusals, and two server processes


def chat_url(server: ServerProcess, space_id: str, token: str) -> str:
    return f"{server.ws_url}/{chat_name(space_id)}?token={token}"


async def moment_now(server: ServerProcess, space_id: str, token: str) -> None:
    """A pairing moment on now (UTC) at the coffee table."""
    now = datetime.datetime.now(datetime.UTC)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        added = await http.post(f"/api/spaces/{space_id}/moments", json={
            "weekdays": [WEEKDAYS[now.weekday()]], "time": now.strftime("%H:%M"),
            "duration_min": 10, "time_zone": "UTC", "pairing": True},
            headers={"Authorization": f"Bearer {token}"})
        assert added.status_code == 201, added.text


async def opt_in(server: ServerProcess, space_id: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        done = await http.put(f"/api/spaces/{space_id}/pairing", json={"on": True},
                              headers={"Authorization": f"Bearer {token}"})
        assert done.status_code == 200, done.text


def messages(chat: YClient) -> list[dict[str, Any]]:
    return chat.doc.get("messages", type=Array).to_py() or []


def kinds(chat: YClient) -> list[str]:
    return [str(m.get("kind")) for m in messages(chat)]


def group_tables(view: dict[str, Any]) -> dict[str, list[str]]:
    return {t["id"]: t["members"] for t in view.get("tables", []) if t.get("members")}


async def groups_seen(client: VoiceClient, count: int) -> dict[str, list[str]]:
    view = await client.wait_for(lambda m: m.get("type") == "tables"
                                 and len(group_tables(m)) == count, timeout=MOMENT_S)
    return group_tables(view)


@pytest.fixture
def server(start_server: ServerFactory) -> ServerProcess:
    return start_server()


async def test_each_group_sits_at_its_own_table_and_nowhere_else(server: ServerProcess) -> None:
    space, members = await new_space(server, "Ada", "Bram", "Chris", "Dewi", "Eva", "Fleur")
    chats = [await YClient(chat_url(server, space, token)).connect() for _, token in members]
    voices: dict[str, VoiceClient] = {}
    try:
        for member_id, token in members:
            voices[member_id] = await VoiceClient.open(server, space, token)
        for _, token in members[:5]:
            await opt_in(server, space, token)
        await moment_now(server, space, members[0][1])
        fleur = members[5][0]
        found = await groups_seen(voices[fleur], 2)
        assert sorted(len(g) for g in found.values()) == [2, 3]
        assert sorted(m for g in found.values() for m in g) == sorted(m for m, _ in members[:5])

        # The invitation names each member's group and the table it was given.
        await chats[0].wait_for(lambda: "moment" in kinds(chats[0]), timeout=MOMENT_S)
        [moment] = [m for m in messages(chats[0]) if m.get("kind") == "moment"]
        assert dict(zip(moment["group_tables"], moment["pairs"], strict=True)) == found

        # Everyone in a group sits at its table and finds only the group there.
        seats: dict[str, str] = {}
        for table, group in sorted(found.items()):
            for member_id in group:
                seated = await voices[member_id].sit(table)
                assert seated["type"] == "seated", seated
                assert {p["member"] for p in seated["peers"]} <= set(group)
                seats[member_id] = seated["seat"]
        (one, first), (two, second) = sorted(found.items())

        # Another group's table is refused, clearly, and the seat one had is kept.
        refused = await voices[first[0]].sit(two)
        assert refused["error"] == "not_your_table"
        assert "another coffee group" in refused["message"]
        refused = await voices[fleur].sit(one)
        assert refused["error"] == "not_your_table"
        view = await voices[fleur].tables(lambda t: len(t.get(one, [])) == len(first))
        assert len(view[two]) == len(second) and view["koffietafel"] == []
        assert (await voices[fleur].sit("koffietafel"))["type"] == "seated"

        # A signal to a seat of the other group's table closes the sender's socket: 4403.
        await voices[first[0]].send({"type": "signal", "to": seats[second[0]],
                                     "kind": "offer", "sdp": SDP})
        assert (await voices[first[0]].closed())[0] == status.CLOSE_FORBIDDEN
        assert not any(m.get("type") == "signal" for m in voices[second[0]].received)
    finally:
        for client in [*voices.values()]:
            await client.close()
        for chat in chats:
            await chat.close()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis-server") as server:
        yield server


@pytest.mark.redis
async def test_two_server_processes_show_the_same_groups_and_relay_between_them(
        start_server: ServerFactory, redis_server: RedisServer, tmp_path: Path) -> None:
    flags = ("--store", "redis", "--redis-url", redis_server.url, "--secret-key",
             "a-shared-secret-key-for-both-processes")
    servers = [start_server(*flags, data_dir=tmp_path / name) for name in ("a", "b")]
    # Three make one group, with members on both processes.
    space, members = await new_space(servers[0], "Ada", "Bram", "Chris")
    on = [servers[0], servers[1], servers[0]]
    chats = [await YClient(chat_url(s, space, token)).connect()
             for s, (_, token) in zip(on, members, strict=True)]
    voices: dict[str, VoiceClient] = {}
    try:
        for s, (member_id, token) in zip(on, members, strict=True):
            voices[member_id] = await VoiceClient.open(s, space, token)
            await opt_in(s, space, token)
        await moment_now(servers[1], space, members[1][1])
        ada, bram = members[0][0], members[1][0]
        found = await groups_seen(voices[ada], 1)
        assert await groups_seen(voices[bram], 1) == found  # process b sees the same
        [(table, group)] = found.items()
        assert sorted(group) == sorted(m for m, _ in members)
        await chats[1].wait_for(lambda: "moment" in kinds(chats[1]), timeout=MOMENT_S)
        assert kinds(chats[1]).count("moment") == 1

        # Its members, on both processes, sit together and signal across.
        group = [ada, bram]
        seated = [await voices[m].sit(table) for m in group]
        assert all(s["type"] == "seated" for s in seated)
        await voices[group[1]].send({"type": "signal", "to": seated[0]["seat"],
                                     "kind": "offer", "sdp": SDP})
        relayed = await voices[group[0]].wait_for(lambda m: m.get("type") == "signal")
        assert relayed["from"] == seated[1]["seat"] and relayed["member"] == group[1]
    finally:
        for client in voices.values():
            await client.close()
        for chat in chats:
            await chat.close()
