"""A facilitator and three colleagues, each in their own browser and one on a phone
(375x740), run a whole session.

Create, join, a timed hidden round, reveal, cluster, vote, a reaction, a second vote, a
rating round, end, download the Markdown. The phone never scrolls sideways and its
composer is always at hand.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from browser_support import new_user, screenshot
from server_process import ServerProcess
from test_browser_phone import assert_fits_the_screen

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

pytestmark = pytest.mark.browser


def idea_card(page: Page, text: str) -> Locator:
    return page.locator("#panel-board .clusters [data-idea]", has_text=text)


def moderated(console: Page, text: str) -> Locator:
    """The moderation item of the hidden idea with this text (other items name it too,
    in their merge choices)."""
    return console.locator(".moderation li").filter(
        has=console.locator("span[id^=mod-]", has_text=text))


def on_the_phone(page: Page, step: str) -> None:
    """What the phone shows at this step: no sideways scroll, and a screenshot to look at."""
    assert_fits_the_screen(page)
    screenshot(page, f"phone-{step}")


def composer_at_hand(page: Page) -> None:
    """The composer's field and button are on the screen's width, uncovered (a tap lands)."""
    field = page.locator("#idea-text")
    expect(field).to_be_editable()
    field.tap()
    expect(field).to_be_focused()
    box = page.locator("form.composer button[type=submit]").bounding_box()
    width = page.evaluate("() => window.innerWidth")
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def tap_dots(page: Page, text: str, n: int) -> None:
    card = idea_card(page, text)
    for _ in range(n):
        card.locator(".vote-add").tap()
    expect(card.locator(".vote-count")).to_contain_text(str(n))


def start_round_from_form(console: Page, kind: str, prompt: str, hidden: bool) -> None:
    console.click("#add-round")
    console.select_option("#round-form-kind", kind)
    console.fill("#round-form-prompt", prompt)
    console.fill("#round-form-minutes", "2")
    if hidden:
        console.check("#round-hidden")
    console.click(".round-form button[type=submit]")
    round_item = console.locator("li.round", has_text=prompt)
    expect(round_item).to_be_visible()
    round_item.locator("[data-action=start]").click()
    expect(round_item).to_have_attribute("data-state", "running")


def test_facilitator_and_three_colleagues_one_on_a_phone_run_a_whole_session(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    facilitator = new_user(chromium, sprankel, "Fien")
    anna = new_user(chromium, sprankel, "Anna", locale="nl-NL")
    bram = new_user(chromium, sprankel, "Bram", locale="en-GB")
    chris = new_user(chromium, sprankel, "Chris", phone=True)
    colleagues = [anna, bram, chris]
    users = [facilitator, *colleagues]
    try:
        # Create the session on the home page.
        home = facilitator.goto("/")
        screenshot(home, "home")
        home.fill("#title", "Thuiswerken: wat missen we?")
        home.fill("#goal", "Drie ideeën om de koffieautomaat terug te brengen")
        home.check("#share-summary")
        home.click("form button[type=submit]")
        expect(home.locator("#created-heading")).to_be_visible()
        expect(home.locator("svg.qr")).to_be_visible()
        screenshot(home, "home-created")
        join_link = home.locator("#join-link").get_attribute("href")
        assert join_link and "/join/" in join_link
        home.click("#open-console")
        console = facilitator.page
        expect(console.locator("#console-heading")).to_be_visible()

        # The colleagues join by the link with their names, Chris on her phone.
        for user in colleagues:
            page = user.page
            page.goto(join_link)
            if user is anna:
                screenshot(page, "join")
            if user is chris:
                on_the_phone(page, "join")
            page.fill("#name", user.name)
            page.click("form button[type=submit]")
            expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(console.locator(".presence .person")).to_have_count(4)
        on_the_phone(chris.page, "joined")
        expect(bram.page.locator("#tab-board")).to_have_text("Idea board")  # en-GB browser
        expect(anna.page.locator("#tab-board")).to_have_text("Ideeënbord")

        # A timed hidden round: ideas go to each author's drafts, invisible to the others.
        start_round_from_form(console, "ideate", "Wat mis je het meest?", hidden=True)
        for user in colleagues:
            expect(user.page.locator("#round-prompt")).to_have_text("Wat mis je het meest?")
            expect(user.page.locator(".timer-clock")).to_have_text(re.compile(r"^[0-2]:\d\d"))
        composer_at_hand(chris.page)
        chris.page.fill("#idea-text", "Samen lunchen op dinsdag")
        chris.page.keyboard.press("Enter")
        expect(chris.page.locator(".drafts [data-draft]")).to_have_text(re.compile("lunchen"))
        on_the_phone(chris.page, "hidden-round")
        anna.page.fill("#idea-text", "Een vaste koffiepauze om 10 uur")
        anna.page.keyboard.press("Enter")
        bram.page.fill("#idea-text", "Random coffee pairs")
        bram.page.keyboard.press("Enter")
        expect(anna.page.locator(".drafts [data-draft]")).to_have_text(
            re.compile("koffiepauze"))
        expect(bram.page.locator(".drafts [data-draft]")).to_have_text(re.compile("coffee"))
        screenshot(anna.page, "session-hidden-round")
        anna.page.fill("#idea-text", "Iets ongepasts over een collega")
        anna.page.keyboard.press("Enter")
        # The facilitator reviews them before the reveal and holds one back.
        console.locator("#tab-console").click()
        expect(console.locator(".moderation li")).to_have_count(4)
        screenshot(console, "console")
        held = moderated(console, "ongepasts")
        lunch = moderated(console, "lunchen")
        # Two quick clicks on two ideas are two actions, though the buttons read the same.
        held.locator("[data-moderate=hold]").evaluate_all(
            "(mine, other) => { mine[0].click(); other.click(); }",
            lunch.locator("[data-moderate=hold]").element_handle())
        expect(held.locator("[data-moderate=release]")).to_have_text("Vrijgeven")
        expect(lunch.locator("[data-moderate=release]")).to_have_text("Vrijgeven")
        lunch.locator("[data-moderate=release]").click()  # second thoughts: it may go out
        expect(lunch.locator("[data-moderate=hold]")).to_be_visible()
        assert "Random coffee pairs" not in anna.page.content()
        assert "koffiepauze" not in bram.page.content()
        assert "lunchen" not in anna.page.content()

        # End the round: writing closes, nothing is revealed yet; the authors see why.
        console.locator("li.round[data-state=running] [data-action=end]").click()
        expect(console.locator("#console-status")).to_have_text("Ronde beëindigd")
        expect(anna.page.locator(".awaiting-reveal")).to_be_visible()
        held_draft = anna.page.locator("[data-draft]", has_text="ongepasts")
        expect(held_draft.locator(".draft-state")).to_have_text(
            "Tegengehouden door de begeleider")
        expect(bram.page.locator("[data-draft] .draft-state")).to_have_text(
            "Waiting to be revealed")
        expect(chris.page.locator("[data-draft] .draft-state")).to_have_text(
            "Wacht op onthulling")
        # The board does not invite anyone to write the first idea: they are waiting.
        expect(chris.page.locator("#panel-board .empty")).to_have_text(
            "De ideeën van deze ronde verschijnen hier zodra de begeleider ze onthult.")
        expect(bram.page.locator("#panel-board .empty")).to_have_text(
            "The ideas of this round appear here once the facilitator reveals them.")
        on_the_phone(chris.page, "awaiting-reveal")
        # One at a time, then the rest at once.
        moderated(console, "koffiepauze").locator("[data-moderate=reveal]").click()
        for user in users:
            user.page.locator("#tab-board").click()
            expect(idea_card(user.page, "Een vaste koffiepauze om 10 uur")).to_be_visible()
        assert "Random coffee pairs" not in anna.page.locator("#panel-board").inner_text()
        console.locator("#tab-console").click()
        console.locator("li.round[data-state=ended] [data-action=reveal]").click()
        expect(console.locator("#console-status")).to_have_text("Ideeën onthuld")
        for user in users:
            user.page.locator("#tab-board").click()
            expect(idea_card(user.page, "Random coffee pairs")).to_be_visible()
        expect(idea_card(chris.page, "Samen lunchen op dinsdag")).to_be_visible()
        on_the_phone(chris.page, "revealed")
        for user in users:  # the held-back idea reaches no board, not even its author's
            expect(user.page.locator("#panel-board [data-idea]", has_text="ongepasts")
                   ).to_have_count(0)
        # Its author still sees it, held back, in her own list.
        expect(anna.page.locator("[data-draft]", has_text="ongepasts")).to_be_visible()

        # Cluster: Anna puts both ideas in one new group with the keyboard-friendly select.
        anna_page = anna.page
        first = idea_card(anna_page, "koffiepauze")
        first.get_by_role("button", name="Meer acties").click()  # the card's actions
        first.locator("select").select_option("__new__")
        cluster_title = anna_page.locator(".cluster-title").first
        cluster_title.fill("Koffie")
        cluster_title.press("Enter")
        second = idea_card(anna_page, "coffee pairs")
        second.get_by_role("button", name="Meer acties").click()
        second.locator("select").select_option(label="Koffie")
        expect(bram.page.locator(".cluster", has_text="coffee pairs").locator(".cluster-title")
               ).to_have_value("Koffie")
        bram.page.fill("#idea-text", "Een virtuele koffiehoek")  # an open moment: no round
        bram.page.keyboard.press("Enter")
        expect(idea_card(anna_page, "virtuele koffiehoek")).to_be_visible()
        # Bram edits his own idea; Anna may not edit his.
        his = idea_card(bram.page, "virtuele koffiehoek")
        his.get_by_role("button", name="More actions").click()
        his.get_by_role("button", name="Edit").click()
        bram.page.locator("[data-idea] textarea").fill("Een virtuele koffiehoek met muziek")
        bram.page.locator("[data-idea] button[type=submit]").click()
        expect(idea_card(anna_page, "met muziek")).to_be_visible()
        idea_card(anna_page, "met muziek").get_by_role("button", name="Meer acties").click()
        expect(idea_card(anna_page, "met muziek").get_by_role("button", name="Bewerken")
               ).to_have_count(0)
        # Drag and drop groups too; undo and redo take back only Anna's own step.
        idea_card(anna_page, "met muziek").drag_to(
            anna_page.get_by_role("region", name="Koffie", exact=True).locator(".ideas"))
        koffie = bram.page.get_by_role("region", name="Koffie", exact=True)
        expect(koffie.locator("[data-idea]")).to_have_count(3)
        anna_page.get_by_role("button", name="Ongedaan maken").click()
        expect(koffie.locator("[data-idea]")).to_have_count(2)
        anna_page.get_by_role("button", name="Opnieuw").click()
        expect(koffie.locator("[data-idea]")).to_have_count(3)

        # Dot voting: each participant places dots, the budget stays visible.
        console.locator("#tab-console").click()
        start_round_from_form(console, "vote", "Waar gaan we mee verder?", hidden=False)
        for user, text in ((anna, "coffee pairs"), (bram, "koffiepauze")):
            page = user.page
            expect(page.locator(".budget")).to_be_visible()
            card = idea_card(page, text)
            card.locator(".vote-add").click()
            card.locator(".vote-add").click()
            expect(card.locator(".vote-count")).to_contain_text("2")
        expect(anna.page.locator(".budget")).to_have_text("Nog 1 van 3 stippen over")
        screenshot(anna.page, "session-voting")
        tap_dots(chris.page, "Samen lunchen", 2)
        expect(chris.page.locator(".budget")).to_have_text("Nog 1 van 3 stippen over")
        on_the_phone(chris.page, "voting")
        console.locator("li.round[data-state=running] [data-action=end]").click()
        for user in colleagues:
            expect(idea_card(user.page, "coffee pairs").locator(".idea-votes")).to_contain_text("2")
        expect(anna.page.locator("#board-sort")).to_have_value("votes")  # sorted once published
        first = anna.page.locator("#panel-board .clusters [data-idea]").first
        expect(first).to_contain_text("2")

        # Chris cheers from her phone: it floats up on every screen, the console's too.
        chris.page.locator("#reactions [data-emoji='🎉']").tap()
        for user in users:
            expect(user.page.locator(".reactions-layer .reaction-float", has_text="🎉")
                   ).to_have_count(1)
        on_the_phone(chris.page, "reaction")

        # A second vote: each round's ranking stays readable on the phone, the newest open.
        start_round_from_form(console, "vote", "Wat doen we eerst?", hidden=False)
        tap_dots(chris.page, "met muziek", 3)
        console.locator("li.round[data-state=running] [data-action=end]").click()
        results = chris.page.locator("#panel-board .board-results details.result")
        expect(results).to_have_count(2)
        expect(results.last.locator("li[data-top=true]")).to_have_text(
            re.compile("met muziek — 3 stippen"))
        expect(results.first.locator("ol")).not_to_be_visible()
        results.first.locator("summary").tap()
        expect(results.first.locator("li", has_text="coffee pairs")).to_contain_text("2 stippen")
        on_the_phone(chris.page, "two-rankings")

        # A rating round: Chris scores an idea with the phone's selects.
        start_round_from_form(console, "rate", "Hoe goed is het?", hidden=False)
        card = idea_card(chris.page, "met muziek")
        card.locator("select[id^=rate-originality]").select_option("4")
        card.locator("select[id^=rate-feasibility]").select_option("3")
        on_the_phone(chris.page, "rating")
        console.locator("li.round[data-state=running] [data-action=end]").click()
        expect(card.locator(".idea-ratings")).to_have_text("Originaliteit 4.0 · Haalbaarheid 3.0")
        on_the_phone(chris.page, "rated")

        # End the session and take the summary home.
        facilitator.page.on("dialog", lambda dialog: dialog.accept())
        console.click("#end-session")
        expect(anna.page.locator(".notice")).to_be_visible()
        expect(chris.page.locator(".notice")).to_contain_text("Deze sessie is afgelopen")
        expect(chris.page.locator("form.composer")).to_be_hidden()  # no "not in this phase"
        on_the_phone(chris.page, "ended")
        with console.expect_download() as download_info:
            console.click("[data-export=md]")
        summary = download_info.value.path().read_text(encoding="utf-8")
        assert "Thuiswerken: wat missen we?" in summary
        for text in ("Een vaste koffiepauze om 10 uur", "Random coffee pairs",
                     "Een virtuele koffiehoek met muziek", "Koffie"):
            assert text in summary, text

        # Participants may take the summary home too (the facilitator allowed it).
        with anna.page.expect_download() as anna_download:
            anna.page.click("#download-summary")
        assert "Random coffee pairs" in anna_download.value.path().read_text(encoding="utf-8")

        # The facilitator finds the session again from the home page.
        home = facilitator.goto("/")
        expect(home.locator(".recent")).to_contain_text("Thuiswerken: wat missen we?")

        for user in users:
            user.assert_clean()
    finally:
        for user in users:
            user.close()
