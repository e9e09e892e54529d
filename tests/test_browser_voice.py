"""Colleagues at a voice table talk through real Chromium WebRTC: fake microphones (a
tone), the audio straight between the browsers, its bytes counted by getStats().

Each page's hook (``?voicetest``) reads, per other seat, the inbound-rtp audio bytes of
its RTCPeerConnection. A test waits until every seat receives from every other one and
the count grows, never for a fixed time.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

import browser_support
from browser_support import CHROMIUM, Api, User, axe_violations, new_user
from conftest import ServerFactory
from redis_server import RedisServer
from server_process import ServerProcess
from turn_server import TurnServer

pytestmark = pytest.mark.browser

DEADLINE_S = 60.0  # WebRTC on a loaded two-core machine: ICE and DTLS can take a while

MEDIA_ARGS = [
    "--disable-gpu", "--disable-quic",
    # A fake microphone (a beep) that is granted without a prompt.
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    # Host candidates as plain addresses: the contexts of one browser cannot resolve each
    # other's mDNS names in a container.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


@pytest.fixture(scope="module")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=MEDIA_ARGS)
    yield browser
    browser.close()


def space_with(server: ServerProcess, *names: str) -> tuple[str, list[dict[str, Any]]]:
    api = Api(server)
    try:
        created = api.call("POST", "/spaces", body={"name": "Team Loket", "your_name": names[0],
                                                    "language": "nl"})
        members = [{"member_id": created["member_id"], "token": created["token"]}]
        for name in names[1:]:
            members.append(api.call("POST", f"/spaces/{created['id']}/members",
                                    body={"name": name}))
        return created["id"], members
    finally:
        api.close()


def add_table(server: ServerProcess, space: str, token: str, name: str) -> str:
    api = Api(server)
    try:
        return str(api.call("POST", f"/spaces/{space}/tables", token,
                            {"name": name})["tables"][-1]["id"])
    finally:
        api.close()


def open_space(user: User, space: str, member: dict[str, Any], query: str = "") -> Page:
    user.goto("/")
    user.page.evaluate("([key, value]) => localStorage.setItem(key, JSON.stringify(value))",
                       [f"sprankel.space.{space}", member])
    page = user.goto(f"/k/{space}?voicetest=1{query}")
    expect(page.locator("#voice [data-table=koffietafel]")).to_be_visible()
    return page


def sit(page: Page, table: str = "koffietafel") -> str:
    page.locator(f"#voice [data-table='{table}'] button").click()
    leave = page.locator(f"#voice [data-table='{table}'] [data-focus-key=voice-leave]")
    expect(leave).to_be_visible()
    seat = page.evaluate("() => window.sprankelVoice.seat()")
    assert isinstance(seat, str)
    return seat


def stats(page: Page) -> dict[str, int]:
    return dict(page.evaluate("() => window.sprankelVoice.stats()"))


def until(check: Callable[[], bool], what: str, deadline_s: float = DEADLINE_S) -> None:
    end = time.monotonic() + deadline_s
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"not reached within {deadline_s:.0f} s: {what}")
        time.sleep(0.25)  # polling a state, not waiting for one


def hears(page: Page, seats: set[str]) -> Callable[[], bool]:
    """Audio arrives from exactly these seats, and keeps arriving."""
    first: dict[str, int] = {}

    def check() -> bool:
        now = stats(page)
        if set(now) != seats or not all(now[s] > 0 for s in seats):
            return False
        if not first:
            first.update(now)
            return False
        return all(now[s] > first[s] for s in seats)

    return check


def test_three_colleagues_hear_each_other_and_a_fourth_at_another_table_hears_nothing(
        chromium: Browser, sprankel: ServerProcess) -> None:
    space, members = space_with(sprankel, "Anna", "Bram", "Chris", "Dewi")
    hoek = add_table(sprankel, space, members[0]["token"], "Hoek")
    users = [new_user(chromium, sprankel, name) for name in ("Anna", "Bram", "Chris", "Dewi")]
    try:
        pages = [open_space(u, space, m) for u, m in zip(users, members, strict=True)]
        anna, bram, chris, dewi = pages
        seats = {name: sit(page) for name, page in (("anna", anna), ("bram", bram))}
        until(hears(anna, {seats["bram"]}), "Anna hears Bram")
        until(hears(bram, {seats["anna"]}), "Bram hears Anna")

        seats["chris"] = sit(chris)
        seats["dewi"] = sit(dewi, hoek)
        for name, page in (("anna", anna), ("bram", bram), ("chris", chris)):
            others = {s for n, s in seats.items() if n not in (name, "dewi")}
            until(hears(page, others), f"{name} hears the two others at the table")
        # Everyone sees who sits where; Dewi, alone at the other table, receives nothing.
        expect(dewi.locator("#voice [data-table=koffietafel] .voice-person")).to_have_count(3)
        assert stats(dewi) == {}
        assert axe_violations(anna) == []

        # Chris leaves: the others stop receiving from Chris, Chris from anyone.
        chris.locator("#voice [data-focus-key=voice-leave]").click()
        until(lambda: stats(chris) == {}, "Chris has hung up")
        until(hears(anna, {seats["bram"]}), "Anna hears only Bram")
        until(hears(bram, {seats["anna"]}), "Bram hears only Anna")
        expect(anna.locator("#voice [data-table=koffietafel] .voice-person")).to_have_count(2)
        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()


def test_a_coffee_group_joins_its_own_table_from_the_invitation_and_talks(
        chromium: Browser, sprankel: ServerProcess) -> None:
    space, members = space_with(sprankel, "Anna", "Bram", "Chris")
    api = Api(sprankel)
    users = [new_user(chromium, sprankel, name) for name in ("Anna", "Bram", "Chris")]
    try:
        for member in members[:2]:  # Chris does not take part in random groups
            api.call("PUT", f"/spaces/{space}/pairing", member["token"], {"on": True})
        anna, bram, chris = [open_space(u, space, m) for u, m in zip(users, members, strict=True)]
        expect(anna.locator("#present .person")).to_have_count(3)
        now = datetime.datetime.now(datetime.UTC)
        api.call("POST", f"/spaces/{space}/moments", members[0]["token"], {
            "weekdays": [("MO", "TU", "WE", "TH", "FR", "SA", "SU")[now.weekday()]],
            "time": now.strftime("%H:%M"), "duration_min": 10, "time_zone": "UTC",
            "pairing": True})

        # Anna and Bram are invited to their group's own table, and talk there.
        for page in (anna, bram):
            join = page.locator(".moment-invite #moment-join")
            expect(join).to_have_text("Aanschuiven bij je groep", timeout=90_000)
            join.click()
            expect(page.locator("#voice [data-table=koffie-1] [data-focus-key=voice-leave]")
                   ).to_be_visible()
        seats = [p.evaluate("() => window.sprankelVoice.seat()") for p in (anna, bram)]
        until(hears(anna, {seats[1]}), "Anna hears Bram at their group's table")
        until(hears(bram, {seats[0]}), "Bram hears Anna at their group's table")

        # Chris sees who sits at the group's table, may not join it, and is invited to
        # the coffee table, where nobody from the group is heard.
        group = chris.locator("#voice [data-table=koffie-1]")
        expect(group.locator(".voice-person")).to_have_count(2)
        expect(group).to_contain_text("Koffie 1")
        expect(group).to_contain_text("alleen voor wie erin zit")
        expect(group.locator("button")).to_have_count(0)
        join = chris.locator(".moment-invite #moment-join")
        expect(join).to_have_text("Aanschuiven")
        join.click()
        expect(chris.locator("#voice [data-table=koffietafel] [data-focus-key=voice-leave]")
               ).to_be_visible()
        assert stats(chris) == {}
        assert axe_violations(chris) == []
        for user in users:
            user.assert_clean()
    finally:
        api.close()
        for user in users:
            user.close()


# Relay only: through a real coturn with the credentials Sprankel hands out


TURN_SECRET = "the-static-auth-secret-of-coturn"


@pytest.fixture
def turn(tmp_path: Path) -> Iterator[TurnServer]:
    with TurnServer(tmp_path / "turn", TURN_SECRET) as server:
        yield server


@pytest.mark.parametrize("secret", [TURN_SECRET, "not-the-secret-of-this-turn-server"])
def test_audio_flows_through_turn_only_with_the_right_secret(
        chromium: Browser, turn: TurnServer, start_server: ServerFactory, secret: str) -> None:
    # turn before start_server: fixtures end in reverse order, so the servers stop first.
    server = start_server("--ice-servers", turn.url, "--turn-secret", secret)
    space, members = space_with(server, "Anna", "Bram")
    users = [new_user(chromium, server, name) for name in ("Anna", "Bram")]
    try:
        anna, bram = [open_space(u, space, m, "&ice=relay")
                      for u, m in zip(users, members, strict=True)]
        seats = sit(anna), sit(bram)
        if secret == TURN_SECRET:
            until(hears(anna, {seats[1]}), "Anna hears Bram through TURN")
            until(hears(bram, {seats[0]}), "Bram hears Anna through TURN")
            assert "relay" in selected_candidates(anna)
        else:
            # coturn refuses the credential (401) and, relay only, there is no other way.
            for page in (anna, bram):
                until(lambda p=page: 401 in p.evaluate("() => window.sprankelVoice.iceErrors()"),
                      "the TURN server refused the credential")
            assert set(stats(anna).values()) <= {0} and set(stats(bram).values()) <= {0}
    finally:
        for user in users:
            user.close()


def selected_candidates(page: Page) -> set[str]:
    """The candidate types of the pair each connection uses."""
    return set(page.evaluate("""async () => {
      const types = [];
      for (const pc of window.sprankelVoice.connections()) {
        const stats = await pc.getStats();
        stats.forEach((r) => {
          if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") {
            types.push(stats.get(r.localCandidateId).candidateType);
          }
        });
      }
      return types;
    }"""))


# Across two server processes on one Redis


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
def test_colleagues_on_two_processes_hear_each_other(
        chromium: Browser, redis: RedisServer, start_server: ServerFactory,
        tmp_path: Path) -> None:
    # redis before start_server: fixtures end in reverse order, so the servers stop before
    # their Redis does (not waiting for a Redis that is gone).
    flags = ("--store", "redis", "--redis-url", redis.url, "--secret-key",
             "a-shared-secret-key-for-both-processes")
    a = start_server(*flags, data_dir=tmp_path / "a")
    b = start_server(*flags, data_dir=tmp_path / "b")
    space, members = space_with(a, "Anna", "Bram", "Chris")
    users = [new_user(chromium, server, name)
             for server, name in ((a, "Anna"), (b, "Bram"), (b, "Chris"))]
    try:
        anna, bram, chris = [open_space(u, space, m) for u, m in zip(users, members, strict=True)]
        seats = {"anna": sit(anna), "bram": sit(bram), "chris": sit(chris)}
        for name, page in (("anna", anna), ("bram", bram), ("chris", chris)):
            until(hears(page, {s for n, s in seats.items() if n != name}),
                  f"{name} hears both others across the processes")
        bram.locator("#voice [data-focus-key=voice-leave]").click()
        until(hears(anna, {seats["chris"]}), "Anna hears only Chris")
        expect(anna.locator("#voice [data-table=koffietafel] .voice-person")).to_have_count(2)
    finally:
        for user in users:
            user.close()


@pytest.fixture(scope="module")
def plain_chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    """A browser with no microphone at all (no fake device, no fake consent)."""
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic",
                                        "--disable-features=WebRtcHideLocalIpsWithMdns"])
    yield browser
    browser.close()


def test_without_a_microphone_one_listens_and_is_told_why(
        chromium: Browser, plain_chromium: Browser, sprankel: ServerProcess) -> None:
    space, members = space_with(sprankel, "Anna", "Bram")
    anna_user = new_user(chromium, sprankel, "Anna")
    bram_user = new_user(plain_chromium, sprankel, "Bram", locale="en-GB")
    try:
        anna = open_space(anna_user, space, members[0])
        bram = open_space(bram_user, space, members[1])
        anna_seat = sit(anna)
        sit(bram)
        # No device (or no consent, as this browser cannot ask): said plainly, as an alert.
        notice = bram.locator("#voice .voice-notice")
        expect(notice).to_have_attribute("role", "alert")
        expect(notice).to_contain_text(re.compile(
            r"No microphone found|does not allow the microphone"))
        expect(notice).to_contain_text("You are at the table and can listen")
        until(hears(bram, {anna_seat}), "Bram listens to Anna")
        assert set(stats(anna).values()) <= {0}  # Bram sends nothing
        assert axe_violations(bram) == []
    finally:
        anna_user.close()
        bram_user.close()


def test_the_hallway_of_a_session_before_the_start_and_the_facilitator_closes_it(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Retro")
    joined = api.join(session, "Bram")
    api.close()
    fac = new_user(chromium, sprankel, "Anna")
    part = new_user(chromium, sprankel, "Bram")
    try:
        browser_support.remember_session(fac, session["id"], session["facilitator_token"],
                                         "facilitator", "Anna")
        browser_support.remember_session(part, session["id"], joined["token"], "participant",
                                         "Bram", joined["participant_id"])
        pages = [u.goto(f"/s/{session['id']}?voicetest=1") for u in (fac, part)]
        anna, bram = pages
        seats = [sit(p, "gang") for p in pages]
        until(hears(anna, {seats[1]}), "Anna hears Bram in the hallway")
        until(hears(bram, {seats[0]}), "Bram hears Anna in the hallway")
        assert axe_violations(bram) == []
        anna.locator("#hallway-toggle").click()
        expect(bram.locator("#voice [data-table=gang]")).to_have_count(0)
        until(lambda: stats(bram) == {}, "Bram was stood up")
        expect(anna.locator("#hallway-toggle")).to_have_text("Gang openen")
    finally:
        fac.close()
        part.close()
