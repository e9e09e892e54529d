"""Who is available, "who wants coffee?" only for them, and coffee moments: their
invitation at the right wall-clock time and the series as an .ics that icalendar reads."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest

from conftest import ServerFactory
from koffiehoek_harness import chat_open
from server_process import ServerProcess
from sprankel.broker.memory import MemoryBroker
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.tokens import TokenSigner
from sprankel.koffiehoek.gatherings import Gatherings
from sprankel.koffiehoek.moments import pairs
from sprankel.koffiehoek.spaces import Koffiehoek, Member, Space
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(year: int, month: int, day: int, hour: int, minute: int, tz: ZoneInfo = AMSTERDAM
       ) -> int:
    return int(datetime.datetime(year, month, day, hour, minute, tzinfo=tz).timestamp() * 1000)


class Hoek:
    def __init__(self, koffiehoek: Koffiehoek, broker: MemoryBroker, clock: ManualClock,
                 rooms: RoomManager) -> None:
        self.k, self.broker, self.clock, self.rooms = koffiehoek, broker, clock, rooms
        self.g = Gatherings(koffiehoek)

    async def here(self, space: Space, *members: Member) -> None:
        await chat_open(self.broker, self.clock, space, *members)

    def set(self, ms: int) -> None:
        self.clock._now = ms  # the manual clock jumps to a wall-clock time


@pytest.fixture
async def hoek(tmp_path: Path) -> AsyncIterator[Hoek]:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.start()
    broker = MemoryBroker()
    rooms = RoomManager(store, broker, grace_s=60, outbox_limit=1 << 20)
    clock = ManualClock(at(2026, 12, 1, 9, 0))  # a Tuesday
    yield Hoek(Koffiehoek(store, broker, rooms, TokenSigner(b"k" * 32), retention_days=7,
                          clock=clock), broker, clock, rooms)
    await rooms.shutdown()
    await store.close()


async def test_coffee_reaches_only_the_available_and_a_status_ends_with_the_day(
        hoek: Hoek) -> None:
    k, g = hoek.k, hoek.g
    space, ada, _ = await k.create_space("Team", "Ada", "nl")
    zoe, _ = await k.join(space.id, "Zoë")
    bram, _ = await k.join(space.id, "Bram")
    dewi, _ = await k.join(space.id, "Dewi")  # not here now
    await hoek.here(space, ada, zoe, bram)
    await g.set_status(space, zoe, "focus", "deadline om 12:00")
    assert await g.statuses(space) == {zoe.id: {"status": "focus",
                                                "note": "deadline om 12:00"}}
    nudge = await k.coffee(space, ada, await g.available(space, exclude=ada.id))
    assert nudge["reach"] == [bram.id]  # not Ada herself, not Zoë in focus, not Dewi away
    assert dewi.id not in nudge["reach"]

    # Midnight in Amsterdam (23:00 UTC): the focus has lapsed and Zoë is available again.
    hoek.set(at(2026, 12, 2, 0, 1))
    assert await g.statuses(space) == {}
    reach = await g.available(space, exclude=bram.id)
    assert sorted((await k.coffee(space, bram, reach))["reach"]) == sorted([ada.id, zoe.id])


async def test_a_moment_invites_the_available_once_at_its_wall_clock_time(hoek: Hoek) -> None:
    k, g = hoek.k, hoek.g
    space, ada, _ = await k.create_space("Team", "Ada", "nl")
    zoe, _ = await k.join(space.id, "Zoë")
    await hoek.here(space, ada, zoe)
    await g.set_status(space, zoe, "away", "")
    await g.add_moment(space, {"weekdays": ["TU", "TH"], "time": "10:00", "duration_min": 15,
                               "time_zone": None, "table": "koffietafel", "pairing": False})
    assert await g.invite_due_moments() == 0  # 09:00
    hoek.set(at(2026, 12, 1, 10, 5))
    assert await g.invite_due_moments() == 1
    assert await g.invite_due_moments() == 0  # once per occurrence
    invitation = [m for m in await k.messages(space.id) if m["kind"] == "moment"]
    assert len(invitation) == 1 and invitation[0]["reach"] == [ada.id]
    hoek.set(at(2026, 12, 2, 10, 5))  # a Wednesday
    assert await g.invite_due_moments() == 0
    # Summer time: still 10:00 in Amsterdam (08:00 UTC, not 09:00).
    hoek.set(at(2027, 7, 1, 10, 1))  # a Thursday
    assert await g.invite_due_moments() == 1


async def test_pairing_groups_only_those_who_opted_in(hoek: Hoek) -> None:
    k, g = hoek.k, hoek.g
    space, ada, _ = await k.create_space("Team", "Ada", "en")
    people = [ada] + [(await k.join(space.id, n))[0] for n in ("B", "C", "D", "E", "F")]
    await hoek.here(space, *people)
    for p in people[:5]:
        await g.set_pairing(space, p, True)
    await g.add_moment(space, {"weekdays": ["TU"], "time": "09:00", "duration_min": 30,
                               "time_zone": "Europe/Amsterdam", "table": "koffietafel",
                               "pairing": True})
    assert await g.invite_due_moments() == 1
    [moment] = [m for m in await k.messages(space.id) if m["kind"] == "moment"]
    groups = moment["pairs"]
    assert sorted(m for g in groups for m in g) == sorted(p.id for p in people[:5])
    assert all(2 <= len(g) <= 4 for g in groups)
    for n in range(2, 30):
        sizes = [len(g) for g in pairs([str(i) for i in range(n)], n)]
        assert sum(sizes) == n and all(2 <= s <= 4 for s in sizes), (n, sizes)
    assert pairs(["alone"], 1) == []


@pytest.fixture
def server(start_server: ServerFactory) -> ServerProcess:
    return start_server()


async def _space(http: httpx.AsyncClient, **extra: Any) -> tuple[str, str]:
    created = await http.post("/api/spaces", json={"name": "Team, ICT; Loket",
                                                    "your_name": "Ada", **extra})
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["token"]


async def test_the_ics_is_a_weekly_series_in_the_right_time_zone(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        sid, token = await _space(http, time_zone="America/New_York")
        auth = {"Authorization": f"Bearer {token}"}
        added = await http.post(f"/api/spaces/{sid}/moments", headers=auth, json={
            "weekdays": ["TH", "TU"], "time": "10:00", "duration_min": 15})
        assert added.status_code == 201, added.text
        added = await http.post(f"/api/spaces/{sid}/moments", headers=auth, json={
            "weekdays": ["FR"], "time": "15:30", "time_zone": "Europe/Amsterdam"})
        assert added.status_code == 201, added.text
        response = await http.get(f"/api/spaces/{sid}/moments.ics", headers=auth)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        assert (await http.get(f"/api/spaces/{sid}/moments.ics")).status_code == 401

    cal = icalendar.Calendar.from_ical(response.text)
    assert "X-WR-CALNAME" in cal
    zones = {str(z["TZID"]) for z in cal.walk("VTIMEZONE")}
    assert zones == {"America/New_York", "Europe/Amsterdam"}
    events = sorted(cal.walk("VEVENT"), key=lambda e: str(e["RRULE"]["BYDAY"]))
    assert [e["RRULE"]["FREQ"] for e in events] == [["WEEKLY"], ["WEEKLY"]]
    assert [list(e["RRULE"]["BYDAY"]) for e in events] == [["FR"], ["TU", "TH"]]
    friday, tuesday = (e.decoded("DTSTART") for e in events)
    assert (friday.hour, friday.minute, friday.weekday()) == (15, 30, 4)
    assert str(friday.tzinfo) == "Europe/Amsterdam"
    assert (tuesday.hour, tuesday.minute) == (10, 0) and tuesday.weekday() in (1, 3)
    assert str(tuesday.tzinfo) == "America/New_York"
    assert events[1].decoded("DURATION") == datetime.timedelta(minutes=15)
    assert str(events[1]["SUMMARY"]) == "Koffiemoment: Team, ICT; Loket"  # escaped, read back
    assert f"/k/{sid}" in str(events[1]["URL"])
    # Every line within 75 octets (folded), CRLF line ends.
    assert all(len(line.encode()) <= 75 for line in response.text.split("\r\n"))


@pytest.mark.parametrize(("body", "message"), [
    ({"weekdays": [], "time": "10:00"}, "weekdays must be a list of distinct days"),
    ({"weekdays": ["XX"], "time": "10:00"}, "weekdays must be a list of distinct days"),
    ({"weekdays": ["MO", "MO"], "time": "10:00"}, "weekdays must be a list of distinct days"),
    ({"weekdays": ["MO"], "time": "24:00"}, "time must be HH:MM"),
    ({"weekdays": ["MO"], "time": "10:00", "duration_min": 500}, "duration_min must be"),
    ({"weekdays": ["MO"], "time": "10:00", "time_zone": "Mars/Olympus"},
     "is not an IANA time zone"),
    ({"weekdays": ["MO"], "time": "10:00", "extra": 1}, "extra"),
])
async def test_bad_moments_are_refused_and_nothing_is_added(
        server: ServerProcess, body: dict[str, Any], message: str) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        sid, token = await _space(http)
        auth = {"Authorization": f"Bearer {token}"}
        refused = await http.post(f"/api/spaces/{sid}/moments", headers=auth, json=body)
        assert refused.status_code == 422 and message in refused.json()["message"]
        assert (await http.get(f"/api/spaces/{sid}", headers=auth)).json()["moments"] == []


async def test_a_moment_at_a_table_the_space_does_not_have(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        sid, token = await _space(http)
        refused = await http.post(f"/api/spaces/{sid}/moments", json={
            "weekdays": ["MO"], "time": "10:00", "table": "nosuch"},
            headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 404
        assert refused.json() == {"error": "not_found", "message": "no such table in this space"}


@pytest.mark.parametrize(("body", "message"), [
    ({"status": "asleep"}, "status must be one of"),
    ({"status": "focus", "note": "x" * 81}, "note must be text of at most 80"),
    ({"status": "focus", "note": "two\nlines"}, "on one line"),
    ({"status": "focus", "mood": "great"}, "mood"),
])
async def test_bad_statuses_are_refused(server: ServerProcess, body: dict[str, Any],
                                        message: str) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        sid, token = await _space(http)
        auth = {"Authorization": f"Bearer {token}"}
        refused = await http.put(f"/api/spaces/{sid}/status", headers=auth, json=body)
        assert refused.status_code == 422 and message in refused.json()["message"]
        ok = await http.put(f"/api/spaces/{sid}/status", headers=auth,
                            json={"status": "in_session", "note": "retro"})
        assert ok.status_code == 200
        view = (await http.get(f"/api/spaces/{sid}", headers=auth)).json()
        assert list(view["statuses"].values()) == [{"status": "in_session", "note": "retro"}]
