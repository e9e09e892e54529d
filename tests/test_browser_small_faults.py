"""The small faults a real team tripped over, each checked where it showed: the join page
names the session and says when it has ended; "1 stip", not "1 stemmen"; after the last
dot the focus stays on "+"; a new group's name is replaced by what one types; an ended
session offers no Start; a brainwriting round's minutes are per turn; the theme button
says what it does; disabled buttons stay readable in the dark theme."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess

pytestmark = pytest.mark.browser

CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el, bg = "rgba(0, 0, 0, 0)";
  while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
    bg = getComputedStyle(node).backgroundColor; node = node.parentElement;
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def _participant(chromium: Browser, sprankel: ServerProcess, api: Api,
                 session: dict[str, object], name: str) -> tuple[object, Page]:
    user = new_user(chromium, sprankel, name)
    joined = api.join(session, name)  # type: ignore[arg-type]
    remember_session(user, str(session["id"]), joined["token"], "participant", name,
                     token_claims(joined["token"])["p"])
    return user, user.goto(f"/s/{session['id']}")


def test_the_join_page_names_the_session_and_an_ended_one_asks_no_name(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Thuiswerken: wat missen we?")
    guest = new_user(chromium, sprankel, "Gast")
    try:
        page = guest.goto(session["links"]["join"])
        expect(page.locator("#join-session-title")).to_have_text("Thuiswerken: wat missen we?")
        expect(page.locator("#name-hint")).to_contain_text("Hoogstens 80 tekens.")
        api.call("POST", f"/sessions/{session['id']}/end", session["facilitator_token"])
        page = guest.goto(session["links"]["join"])
        expect(page.locator("#join-ended")).to_have_text(
            "Deze sessie is afgelopen: meedoen kan niet meer.")
        expect(page.locator("#name")).to_have_count(0)
        guest.assert_clean()
    finally:
        guest.close()
        api.close()


def test_a_name_typed_before_the_join_page_knows_the_session_keeps_every_letter(
        chromium: Browser, sprankel: ServerProcess) -> None:
    # On a slow phone network the session's title arrives while one types: the page is
    # drawn again then, and it took the focus away (the rest of the name went nowhere).
    api = Api(sprankel)
    session = api.create_session("Heidag")
    guest = new_user(chromium, sprankel, "Olga")
    held: list[Route] = []
    guest.context.route(re.compile(r".*/about\?code="),  # runs before the guard
                        lambda route: held.append(route))
    try:
        page = guest.goto(session["links"]["join"])
        page.locator("#name").press_sequentially("Ol")
        for _ in range(200):  # the page asked for the title before it drew the form
            if held:
                break
            page.wait_for_timeout(25)
        held[0].continue_()
        expect(page.locator("#join-session-title")).to_have_text("Heidag")
        page.keyboard.type("ga")
        expect(page.locator("#name")).to_have_value("Olga")
        expect(page.locator("#name")).to_be_focused()
        guest.assert_clean()
    finally:
        guest.close()
        api.close()


def test_one_dot_the_focus_after_the_last_dot_and_a_new_groups_name(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Stippen", settings={"vote_budget": 1})
    sid, fac = session["id"], session["facilitator_token"]
    for text in ("Koffie om tien", "Wandelen"):
        api.call("POST", f"/sessions/{sid}/ideas", fac, {"text": text})
    voting = api.call("POST", f"/sessions/{sid}/rounds", fac,
                      {"kind": "vote", "prompt": "Kies", "duration_s": 300})
    api.call("POST", f"/sessions/{sid}/rounds/{voting['id']}/start", fac)
    user, page = _participant(chromium, sprankel, api, session, "Anna")
    try:
        card = page.locator("[data-idea]", has_text="Koffie om tien")
        add = card.locator(".vote-add")
        expect(add).to_be_visible()
        # Only the dots while voting: no edit, delete or group, no dragging, no new group.
        expect(card.locator(".idea-actions")).to_have_count(0)
        expect(card.get_by_role("button", name="Meer acties")).to_have_count(0)
        expect(card).to_have_attribute("draggable", "false")
        expect(page.get_by_role("button", name="Nieuwe groep")).to_be_disabled()
        # In the dark theme a card stays light, and so does its disabled "−".
        page.locator("#theme-switch").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        remove = card.locator(".vote-remove")
        expect(remove).to_be_disabled()
        ratio = remove.evaluate(CONTRAST)
        assert ratio >= 4.5, f"a card's disabled button has a contrast of {ratio:.2f}"
        add.focus()
        page.keyboard.press("Enter")
        expect(page.locator(".budget")).to_contain_text("zijn op")
        expect(add).to_be_focused()  # not "−": the next Enter takes nothing back
        expect(add).to_have_attribute("aria-disabled", "true")
        page.keyboard.press("Enter")
        expect(card.locator(".vote-count")).to_contain_text("1")
        api.call("POST", f"/sessions/{sid}/rounds/{voting['id']}/end", fac)
        expect(card.locator(".idea-votes")).to_have_text("1 stip")

        # A new group: typing replaces its default name.
        page.get_by_role("button", name="Nieuwe groep").click()
        page.keyboard.type("Koffie")
        page.keyboard.press("Enter")
        expect(page.locator(".cluster-title").first).to_have_value("Koffie")
        user.assert_clean()  # type: ignore[attr-defined]
    finally:
        user.close()  # type: ignore[attr-defined]
        api.close()


def test_a_cards_actions_wait_behind_one_button_that_the_keyboard_opens_and_closes(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Rustig bord")
    user, page = _participant(chromium, sprankel, api, session, "Anna")
    try:
        for text in ("Koffie om tien", "Wandelen"):
            page.fill("#idea-text", text)
            page.keyboard.press("Enter")
        cards = page.locator("#panel-board .clusters [data-idea]")
        expect(cards).to_have_count(2)
        # A calm board: no edit, delete or group select on any card until asked for.
        for name in ("Bewerken", "Verwijderen"):
            expect(page.get_by_role("button", name=name)).to_have_count(0)
        expect(cards.get_by_role("combobox")).to_have_count(0)
        first, second = cards.nth(0), cards.nth(1)
        more = first.get_by_role("button", name="Meer acties")
        expect(more).to_have_attribute("aria-expanded", "false")
        more.focus()
        page.keyboard.press("Enter")
        expect(more).to_have_attribute("aria-expanded", "true")
        expect(more).to_be_focused()
        page.keyboard.press("Tab")
        expect(first.get_by_role("button", name="Bewerken")).to_be_focused()
        page.keyboard.press("Escape")
        expect(more).to_have_attribute("aria-expanded", "false")
        expect(more).to_be_focused()
        expect(first.get_by_role("button", name="Bewerken")).to_be_hidden()
        # One card's actions at a time.
        more.click()
        second.get_by_role("button", name="Meer acties").click()
        expect(more).to_have_attribute("aria-expanded", "false")
        expect(second.get_by_role("button", name="Verwijderen")).to_be_visible()
        # A move is one undo step; once dots are given, nothing is moved or undone.
        second.get_by_role("combobox").select_option("__new__")
        page.keyboard.press("Enter")
        undo = page.get_by_role("button", name="Ongedaan maken")
        expect(undo).to_be_enabled()
        sid, fac = session["id"], session["facilitator_token"]
        voting = api.call("POST", f"/sessions/{sid}/rounds", fac,
                          {"kind": "vote", "prompt": "Kies", "duration_s": 300})
        api.call("POST", f"/sessions/{sid}/rounds/{voting['id']}/start", fac)
        expect(page.locator(".vote-add").first).to_be_visible()
        expect(undo).to_be_disabled()
        expect(page.get_by_role("button", name="Meer acties")).to_have_count(0)
        expect(page.locator(".cluster-title")).to_be_disabled()
        user.assert_clean()  # type: ignore[attr-defined]
    finally:
        user.close()  # type: ignore[attr-defined]
        api.close()


def test_the_console_of_an_ended_session_the_brainwriting_turn_and_the_dark_theme(
        chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    session = api.create_session("Afgelopen")
    sid, fac = session["id"], session["facilitator_token"]
    lead = new_user(chromium, sprankel, "Fien")
    try:
        console = lead.goto(session["links"]["facilitator"])
        console.click("#add-round")
        console.select_option("#round-form-kind", "brainwrite")
        expect(console.locator("#round-form-minutes-label")).to_contain_text("per beurt")
        # The agenda line says turns too: per turn before it starts, how many once it runs.
        writing = api.call("POST", f"/sessions/{sid}/rounds", fac,
                           {"kind": "brainwrite", "prompt": "Schrijf", "duration_s": 120})
        line = console.locator(f"li[data-round='{writing['id']}'] .round-line")
        expect(line).to_contain_text("· 2 min per beurt ·")
        api.call("POST", f"/sessions/{sid}/rounds/{writing['id']}/start", fac)
        expect(line).to_contain_text("· 1 beurt van 2 min ·")  # nobody to pass a sheet to
        api.call("POST", f"/sessions/{sid}/rounds/{writing['id']}/end", fac)
        api.call("POST", f"/sessions/{sid}/rounds", fac,
                 {"kind": "ideate", "prompt": "Nog gepland", "duration_s": 60})
        api.call("POST", f"/sessions/{sid}/rounds", fac,
                 {"kind": "vote", "prompt": "Daarna stippen", "duration_s": 60})
        expect(console.locator("li.round[data-state=planned] [data-action=start]")
               ).to_have_count(2)
        # The agenda is reordered with the keyboard: the focus stays on the moved round.
        console.get_by_role("button", name="Eerder in de agenda: Daarna stippen").focus()
        console.keyboard.press("Enter")
        planned = console.locator("li.round[data-state=planned] .round-prompt-line")
        expect(planned.first).to_have_text("Daarna stippen")
        expect(console.get_by_role("button", name="Eerder in de agenda: Daarna stippen")
               ).to_be_focused()
        api.call("POST", f"/sessions/{sid}/end", fac)
        expect(console.locator("#end-session")).to_be_disabled()
        expect(console.locator("li.round [data-action=start]")).to_have_count(0)

        theme = console.locator("#theme-switch")
        expect(theme).to_have_text("Donker thema")
        theme.click()
        expect(theme).to_have_text("Licht thema")  # what a click does now
        expect(console.locator("html")).to_have_attribute("data-theme", "dark")
        ratio = console.locator("#end-session").evaluate(CONTRAST)
        assert ratio >= 4.5, f"a disabled button's text has a contrast of {ratio:.2f}"
        lead.assert_clean()
    finally:
        lead.close()
        api.close()


def test_a_disabled_subtle_button_is_greyed_not_boxed(
        chromium: Browser, sprankel: ServerProcess) -> None:
    # "Opnieuw" with nothing to redo had a grey box, so it looked more clickable than the
    # flat "Ongedaan maken" beside it that did work.
    api = Api(sprankel)
    session = api.create_session("Knoppen")
    user, page = _participant(chromium, sprankel, api, session, "Anna")
    try:
        redo = page.get_by_role("button", name="Opnieuw")
        expect(redo).to_be_disabled()
        for theme in ("light", "dark"):
            expect(page.locator("html")).to_have_attribute("data-theme", theme)
            # Waiting assertions: the board may draw its toolbar anew meanwhile (a detached
            # button has no computed style).
            expect(redo).to_have_css("background-color", "rgba(0, 0, 0, 0)")
            expect(redo).to_have_css("border-top-color", "rgba(0, 0, 0, 0)")
            ratio = page.wait_for_function(f"""() => {{
              const button = document.querySelector('[data-focus-key="redo"]');
              return button && getComputedStyle(button).color ? ({CONTRAST})(button) : null;
            }}""").json_value()
            assert ratio >= 4.5, f"a disabled subtle button has a contrast of {ratio:.2f} ({theme})"
            page.locator("#theme-switch").click()
        user.assert_clean()  # type: ignore[attr-defined]
    finally:
        user.close()  # type: ignore[attr-defined]
        api.close()
