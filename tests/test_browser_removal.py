"""The console removes a participant and makes one a co-facilitator; the space page lets
its creator remove a member. With the keyboard, after a confirmation (issue 13)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from browser_support import Api, new_user, remember_session, token_claims
from server_process import ServerProcess

pytestmark = pytest.mark.browser


def test_the_console_removes_a_participant_and_names_its_co_facilitators(
    chromium: Browser, sprankel: ServerProcess
) -> None:
    api = Api(sprankel)
    session = api.create_session("Wie doet mee")
    sid = session["id"]
    facilitator = new_user(chromium, sprankel, "Fien")
    anna = new_user(chromium, sprankel, "Anna")
    try:
        joined = api.join(session, "Anna")
        bram = api.join(session, "Bram")
        remember_session(anna, sid, joined["token"], "participant", "Anna",
                         token_claims(joined["token"])["p"])
        participant = anna.goto(f"/s/{sid}")
        expect(participant.locator("#idea-text")).to_be_visible()
        console = facilitator.goto(session["links"]["facilitator"])
        admin = console.locator(".people-admin")
        expect(admin).to_contain_text("Anna")
        expect(admin).to_contain_text("gast")

        # Co-facilitator: the console shows who facilitates.
        bram_row = admin.locator(f"[data-person='{bram['participant_id']}']")
        bram_row.locator("[data-cofacilitator]").focus()
        console.keyboard.press("Enter")
        expect(bram_row).to_contain_text("medebegeleider")
        expect(bram_row.locator("[data-cofacilitator]")).to_have_text("Geen medebegeleider meer")

        # Anna made co-facilitator: her page starts again as the console.
        anna_row = admin.locator(f"[data-person='{joined['participant_id']}']")
        anna_row.locator("[data-cofacilitator]").click()
        expect(participant).to_have_url(re.compile(rf"/s/{sid}/console$"))
        expect(participant.locator("#console-heading")).to_be_visible()

        # Removal, confirmed: Anna's page loses access at once.
        console.once("dialog", lambda dialog: dialog.accept())
        anna_row.locator("[data-remove]").focus()
        console.keyboard.press("Enter")
        expect(anna_row).to_contain_text("verwijderd")
        expect(participant.locator("#connection")).to_contain_text(
            re.compile("verwijderd|removed"))
        facilitator.assert_clean()
    finally:
        api.close()
        facilitator.close()
        anna.close()


def test_the_space_creator_removes_a_member(chromium: Browser, sprankel: ServerProcess) -> None:
    api = Api(sprankel)
    created = api.call("POST", "/spaces", body={"name": "Team Zuid", "your_name": "Kim"})
    lex = api.call("POST", f"/spaces/{created['id']}/members", body={"name": "Lex"})
    kim = new_user(chromium, sprankel, "Kim")
    try:
        kim.goto("/")
        kim.page.evaluate(
            "([id, value]) => localStorage.setItem('sprankel.space.' + id, JSON.stringify(value))",
            [created["id"], {"token": created["token"], "member_id": created["member_id"]}])
        page = kim.goto(f"/k/{created['id']}")
        admin = page.locator(".people-admin")
        expect(admin).to_contain_text("Lex")
        page.once("dialog", lambda dialog: dialog.accept())
        admin.locator(f"[data-remove='{lex['member_id']}']").click()
        expect(admin.locator("ul")).not_to_contain_text("Lex")
        expect(admin.locator("[role=status]")).to_have_text("Lex is verwijderd")
        response = api.client.get(f"/spaces/{created['id']}",
                                  headers={"Authorization": f"Bearer {lex['token']}"})
        assert response.status_code == 401
        kim.assert_clean()
    finally:
        api.close()
        kim.close()
