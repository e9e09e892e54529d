"""Live voting: the facilitator's console counts who placed all, some or none of their
dots while the round runs (never who voted for what); at the end each vote round has its
ranked result in the console and on the board, earlier rounds stay readable, and the
board's sort follows the latest result."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user
from server_process import ServerProcess

pytestmark = pytest.mark.browser


def test_the_console_counts_dots_live_and_keeps_every_rounds_result(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Stippen", settings={"vote_budget": 2})
    sid, fac = session["id"], session["facilitator_token"]
    people = [api.join(session, name) for name in ("Anna", "Bram", "Cleo")]
    ideas = {text: api.call("POST", f"/sessions/{sid}/ideas", fac, {"text": text})["id"]
             for text in ("Koffie om tien", "Wandelen", "Quiz")}
    first = api.call("POST", f"/sessions/{sid}/rounds", fac,
                     {"kind": "vote", "prompt": "Eerste keus", "duration_s": 300})
    second = api.call("POST", f"/sessions/{sid}/rounds", fac,
                      {"kind": "vote", "prompt": "Tweede keus", "duration_s": 300,
                       "top_n": 1})
    lead = new_user(chromium, sprankel, "Fien")
    try:
        console = lead.goto(session["links"]["facilitator"])
        expect(console.locator("#panel-console")).to_be_visible()
        api.call("POST", f"/sessions/{sid}/rounds/{first['id']}/start", fac)
        progress = console.locator("#vote-progress")
        expect(progress).to_have_text(
            "Van de 3 deelnemers hebben 0 al hun stippen gezet, 0 een deel en 3 nog geen.")

        def dots(who: int, text: str, n: int) -> None:
            api.call("PUT", f"/sessions/{sid}/votes/{ideas[text]}", people[who]["token"],
                     {"count": n})

        dots(0, "Koffie om tien", 2)
        expect(progress).to_contain_text("hebben 1 al hun stippen gezet, 0 een deel en 2")
        dots(1, "Wandelen", 1)
        expect(progress).to_contain_text("hebben 1 al hun stippen gezet, 1 een deel en 1")
        assert "Anna" not in progress.inner_text() and "Koffie" not in progress.inner_text()
        dots(1, "Koffie om tien", 1)
        api.call("POST", f"/sessions/{sid}/rounds/{first['id']}/end", fac)
        result = console.locator(f"#console-ranking-{first['id']} li")
        expect(result).to_have_count(2)
        expect(result.nth(0)).to_contain_text("Koffie om tien — 3 stippen")
        expect(result.nth(1)).to_contain_text("Wandelen — 1 stip")

        api.call("POST", f"/sessions/{sid}/rounds/{second['id']}/start", fac)
        dots(2, "Quiz", 2)
        dots(0, "Wandelen", 1)
        api.call("POST", f"/sessions/{sid}/rounds/{second['id']}/end", fac)
        latest = console.locator(f"#console-ranking-{second['id']} li")
        expect(latest).to_have_count(2)
        expect(latest.nth(0)).to_contain_text("Quiz — 2 stippen")
        expect(latest.nth(0).locator(".top-mark")).to_have_count(1)
        expect(latest.nth(1).locator(".top-mark")).to_have_count(0)  # top 1 only
        # The first round's result is still there, with its own dots (never summed).
        expect(result.nth(0)).to_contain_text("Koffie om tien — 3 stippen")

        # The board: both results readable, sorted by the latest round's dots.
        console.locator("#tab-board").click()
        board = console.locator("#panel-board")
        expect(board.locator("[data-result-round]")).to_have_count(2)
        expect(board.locator("#board-sort")).to_have_value("votes")
        expect(board.locator(".clusters [data-idea]").first).to_contain_text("Quiz")
        lead.assert_clean()
    finally:
        lead.close()
        api.close()
