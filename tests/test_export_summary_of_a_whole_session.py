"""The summary is the official record: a realistic session runs through the real API
(two idea rounds, one of them hidden with an idea held back and a duplicate merged,
brainwriting, clustering, two vote rounds, a rating round, a round that never ran,
notes with owners, late ideas) and every fact of the Markdown and the JSON is checked
against what happened."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pycrdt import Map

from api_harness import Api, Member
from conftest import ServerFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server())
    yield client
    await client.aclose()


@dataclass
class Ran:
    """What happened, as the test made it happen: the truth the summary must tell."""

    sid: str
    f: Member
    people: dict[str, Member]
    rounds: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> round JSON
    ideas: dict[str, str] = field(default_factory=dict)  # text -> id


async def _idea(api: Api, ran: Ran, who: str, text: str) -> str:
    added = await api.call("POST", f"/sessions/{ran.sid}/ideas", ran.people[who].token,
                           {"text": text}, expect=201)
    ran.ideas[text] = added["id"]
    return str(added["id"])


async def _dots(api: Api, ran: Ran, who: str, text: str, count: int) -> None:
    await api.call("PUT", f"/sessions/{ran.sid}/votes/{ran.ideas[text]}",
                   ran.people[who].token, {"count": count}, expect=200)


async def _finish(api: Api, ran: Ran, name: str, *actions: str) -> None:
    for action in actions:
        await api.act(ran.sid, ran.f, ran.rounds[name]["id"], action)
    ran.rounds[name] = next(r for r in (await api.call(
        "GET", f"/sessions/{ran.sid}", ran.f.token, expect=200))["agenda"]
        if r["id"] == ran.rounds[name]["id"])


async def run_the_session(api: Api, anonymous: bool = False) -> Ran:
    created = await api.call("POST", "/sessions", body={
        "title": "Koffie op afstand", "language": "en", "facilitator_name": "Fien",
        "settings": {"timezone": "Europe/Amsterdam", "vote_budget": 3,
                     "anonymous": anonymous}}, expect=201)
    sid = created["id"]
    f = Member(created["participant_id"], created["facilitator_token"], "facilitator")
    people = {name: await api.join(sid, created["join_code"], name)
              for name in ("Anna", "Bram", "Cleo", "Dirk")}  # Dirk joins, does nothing
    await api.join(sid, created["join_code"], "Olaf", role="observer")
    ran = Ran(sid, f, people)

    async def plan(name: str, **body: Any) -> None:
        body = {"prompt": name, "duration_s": 600, **body}
        ran.rounds[name] = await api.call("POST", f"/sessions/{sid}/rounds", f.token, body,
                                          expect=201)

    # The agenda's order is not the order the rounds run in.
    await plan("Rate them", kind="rate")
    await plan("First dots", kind="vote")
    await plan("Open ideas", kind="ideate")
    await plan("Quiet ideas", kind="ideate", hidden=True)
    await plan("Pass the sheet", kind="brainwrite", rotations=0)
    await plan("Group them", kind="group")
    await plan("Final dots", kind="vote", top_n=2)
    await plan("Never held", kind="discuss")

    start = lambda name: api.act(sid, f, ran.rounds[name]["id"], "start")  # noqa: E731

    await start("Open ideas")
    await _idea(api, ran, "Anna", "Coffee at ten")
    await _idea(api, ran, "Bram", "Walk and talk")
    await _finish(api, ran, "Open ideas", "end")

    await start("Quiet ideas")
    await _idea(api, ran, "Anna", "Random coffee pairs")
    await _idea(api, ran, "Bram", "A remark about a colleague")
    await _idea(api, ran, "Cleo", "Lunch quiz")
    await _idea(api, ran, "Cleo", "random coffee pairing!")
    await api.act(sid, f, ran.rounds["Quiet ideas"]["id"], "end")  # writing closes
    ideas = {i["text"]: i["id"] for i in (await api.call(
        "GET", f"/sessions/{sid}/hidden-ideas", f.token, expect=200))["ideas"]}
    ran.ideas.update(ideas)
    await api.call("POST", f"/sessions/{sid}/ideas/{ideas['A remark about a colleague']}/hold",
                   f.token, expect=200)
    await api.call("POST", f"/sessions/{sid}/ideas/{ideas['random coffee pairing!']}/merge",
                   f.token, {"into": ideas["Random coffee pairs"]}, expect=200)
    await _finish(api, ran, "Quiet ideas", "reveal")

    await start("Pass the sheet")
    for name, text in (("Anna", "Team radio"), ("Bram", "Photo of your desk"),
                       ("Cleo", "Birthday calls")):
        await _idea(api, ran, name, text)
    await _finish(api, ran, "Pass the sheet", "end", "reveal")

    await start("Group them")
    async with api.ws(f"sessions/{sid}/board", f.token) as board:
        def cluster(doc: Any) -> None:
            doc.get("clusters", type=Map)["c-coffee"] = Map({
                "id": "c-coffee", "title": "Coffee", "color": "blue", "created_at": 1})
            for text in ("Coffee at ten", "Random coffee pairs"):
                doc.get("ideas", type=Map)[ran.ideas[text]]["cluster_id"] = "c-coffee"
            notes = doc.get("notes", type=Map)
            notes["n1"] = Map({"id": "n1", "kind": "decision", "text": "Try coffee at ten",
                               "owner": None, "due": None, "done": False, "created_at": 1})
            # An older console wrote the owner's participant id; a new one writes a name.
            notes["n2"] = Map({"id": "n2", "kind": "action", "text": "Book the room",
                               "owner": people["Bram"].id, "due": "2027-01-22", "done": False,
                               "created_at": 2})
            notes["n3"] = Map({"id": "n3", "kind": "action", "text": "Send the invite",
                               "owner": "Cleo", "due": None, "done": True, "created_at": 3})

        await board.change(cluster)
        await board.wait_for(lambda: "n3" in board.doc.get("notes", type=Map))
        await _wait_clustered(api, ran)
    await _finish(api, ran, "Group them", "end")

    await start("First dots")
    for who, text, n in (("Anna", "Coffee at ten", 2), ("Anna", "Walk and talk", 1),
                         ("Bram", "Coffee at ten", 1), ("Bram", "Walk and talk", 1),
                         ("Bram", "Random coffee pairs", 1)):
        await _dots(api, ran, who, text, n)
    await _finish(api, ran, "First dots", "end")

    await start("Rate them")
    for who, scores in (("Anna", (5, 4)), ("Bram", (3, 2))):
        await api.call("PUT", f"/sessions/{sid}/ratings/{ran.ideas['Coffee at ten']}",
                       people[who].token, {"originality": scores[0], "feasibility": scores[1]},
                       expect=200)
    await _finish(api, ran, "Rate them", "end")

    await start("Final dots")
    for who, text, n in (("Anna", "Walk and talk", 2), ("Anna", "Coffee at ten", 1),
                         ("Cleo", "Random coffee pairs", 2), ("Cleo", "Lunch quiz", 1)):
        await _dots(api, ran, who, text, n)
    await _finish(api, ran, "Final dots", "end")

    # Late ideas: one through the API (no round runs), one a browser stamped with the
    # round that had just ended (as older pages did).
    await _idea(api, ran, "Cleo", "A late thought")
    async with api.ws(f"sessions/{sid}/board", people["Anna"].token) as anna:
        now = int(datetime.now(UTC).timestamp() * 1000) + 60_000

        def late(doc: Any) -> None:
            doc.get("ideas", type=Map)["late-2"] = Map({
                "id": "late-2", "text": "Stamped with the vote round",
                "author_id": people["Anna"].id, "author_name": "Anna",
                "round_id": ran.rounds["Final dots"]["id"], "cluster_id": None,
                "color": "yellow", "created_at": now})

        await anna.change(late)
        await anna.wait_for(lambda: "late-2" in anna.doc.get("ideas", type=Map))
        ran.ideas["Stamped with the vote round"] = "late-2"
        await _wait_on_board(api, ran, "late-2")
    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    return ran


async def _wait_on_board(api: Api, ran: Ran, idea_id: str) -> None:
    import asyncio

    for _ in range(200):
        board = await api.call("GET", f"/sessions/{ran.sid}/ideas", ran.f.token, expect=200)
        if any(i["id"] == idea_id for i in board["ideas"]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{idea_id} never reached the server's board")


async def _wait_clustered(api: Api, ran: Ran) -> None:
    import asyncio

    for _ in range(200):
        board = await api.call("GET", f"/sessions/{ran.sid}/ideas", ran.f.token, expect=200)
        if sum(1 for i in board["ideas"] if i["cluster_id"] == "c-coffee") == 2:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the clustering never reached the server's board")


async def _export(api: Api, ran: Ran, fmt: str, query: str = "") -> str:
    response = await api.http.get(f"/api/sessions/{ran.sid}/export.{fmt}{query}",
                                  headers={"Authorization": f"Bearer {ran.f.token}"})
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8-sig")


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end != -1 else None]


def _local(ms: int, zone: ZoneInfo = AMSTERDAM) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).strftime("%H:%M")


RUN_ORDER = ["Open ideas", "Quiet ideas", "Pass the sheet", "Group them", "First dots",
             "Rate them", "Final dots"]


async def test_every_fact_of_the_markdown_summary_is_what_happened(api: Api) -> None:
    ran = await run_the_session(api)
    md = await _export(api, ran, "md")

    # Who took part: four joined, three contributed (Dirk only watched), an observer.
    assert "- **Participants:** 4 participants joined: Anna, Bram, Cleo, Dirk\n" in md
    assert ("- **Contributed:** 3 participants wrote an idea, placed dots or rated: "
            "Anna, Bram, Cleo\n") in md
    assert "- **Observers:** 1\n" in md
    assert "- **Held back by the facilitator:** 1 idea\n" in md

    # Times in the session's time zone, not UTC.
    first = ran.rounds["Open ideas"]
    assert f"- **Time:** from {_local(first['started_at'])} to " in md
    assert "(Europe/Amsterdam)" in md and "(UTC)" not in md

    # The agenda in the order the rounds ran; the round that never ran comes last.
    agenda = _section(md, "## Agenda")
    numbered = re.findall(
        r"^(\d+)\. [^:]+: (.+?)(?: \((?:1 turn of )?10 minutes\))?( \(not run\))?$", agenda, re.M)
    assert [(n, prompt) for n, prompt, _ in numbered] == [
        (str(k), name) for k, name in enumerate([*RUN_ORDER, "Never held"], 1)]
    assert [bool(not_run) for _, _, not_run in numbered] == [False] * 7 + [True]
    # Brainwriting's minutes are per turn: its sheets were passed on no times, so one turn.
    assert "3. Brainwriting (6-3-5): Pass the sheet (1 turn of 10 minutes)\n" in agenda
    assert "- **Time:** planned 1 turn of 10 minutes; " in _section(md, "## Round 3:")
    headings = re.findall(r"^## Round (\d+): (.+)$", md, re.M)
    assert headings == [(str(k), name) for k, name in enumerate([*RUN_ORDER, "Never held"], 1)]
    assert "; not run" in _section(md, "## Round 8: Never held")

    # Each round counts what happened in it.
    assert "- **Result:** 2 ideas from 2 contributors\n" in _section(md, "## Round 1:")
    quiet = _section(md, "## Round 2:")
    assert ("- **Result:** 2 ideas from 2 contributors; 1 idea held back by the "
            "facilitator; 1 idea merged with a similar idea\n") in quiet
    assert "Random coffee pairs" in quiet and "Lunch quiz" in quiet
    assert "- **Result:** 3 ideas from 3 contributors\n" in _section(md, "## Round 3:")
    first_dots = _section(md, "## Round 5:")
    assert "- **Result:** 6 dots from 2 participants, spread over 3 ideas\n" in first_dots
    assert "the top 3 counts as top" in first_dots
    assert "- **Result:** 1 idea rated by 2 participants\n" in _section(md, "## Round 6:")
    final = _section(md, "## Round 7:")
    assert "- **Result:** 6 dots from 2 participants, spread over 4 ideas\n" in final
    assert "the top 2 counts as top" in final
    for vote_round in (first_dots, final):  # the late ideas are in no round's count
        assert "late" not in vote_round.lower() and "Stamped" not in vote_round

    # Votes per round, never summed; top only for each round's top N (ties included).
    assert re.findall(r"^\d+\. (.+?) — (\d+) dots? · (\w+)( · \*\*top\*\*)?$", first_dots,
                      re.M) == [("Coffee at ten", "3", "Anna", " · **top**"),
                                ("Walk and talk", "2", "Bram", " · **top**"),
                                ("Random coffee pairs", "1", "Anna", " · **top**")]
    assert re.findall(r"^\d+\. (.+?) — (\d+) dots? · (\w+)( · \*\*top\*\*)?$", final,
                      re.M) == [("Walk and talk", "2", "Bram", " · **top**"),
                                ("Random coffee pairs", "2", "Anna", " · **top**"),
                                ("Coffee at ten", "1", "Anna", ""),
                                ("Lunch quiz", "1", "Cleo", "")]
    assert "- Coffee at ten — 3 dots in round 5 · 1 dot in round 7 · originality 4.0, " \
           "feasibility 3.0 (2 ratings) · Anna\n" in md
    assert "4 dots" not in md  # Coffee at ten's two rounds are never added up

    # The late ideas are ideas of no round.
    outside = _section(md, "## Ideas outside a round")
    assert "- A late thought" in outside and "- Stamped with the vote round" in outside

    # What was held back or merged never appears; neither does any id.
    assert "A remark about a colleague" not in md and "random coffee pairing!" not in md
    for member in [ran.f, *ran.people.values()]:
        assert member.id not in md

    # Action items name their owner, by name.
    notes = _section(md, "## Facilitator's notes")
    assert "- Book the room — owner: Bram · due 22 January 2027\n" in notes
    assert "- Send the invite — owner: Cleo · done\n" in notes
    assert "- Try coffee at ten\n" in notes

    # ?tz= still says otherwise for one download.
    utc = await _export(api, ran, "md", "?tz=UTC")
    assert f"- **Time:** from {_local(first['started_at'], ZoneInfo('UTC'))} to " in utc
    assert "(UTC)" in utc


    # The JSON of the same session tells the same facts.
    await check_the_json(api, ran)


async def check_the_json(api: Api, ran: Ran) -> None:
    import json

    doc = json.loads(await _export(api, ran, "json"))
    assert doc["schema_version"] == 2
    assert doc["session"]["timezone"] == "Europe/Amsterdam"
    assert (doc["participant_count"], doc["contributor_count"], doc["observer_count"]) == (
        4, 3, 1)
    assert {p["name"]: p["contributed"] for p in doc["participants"]} == {
        "Anna": True, "Bram": True, "Cleo": True, "Dirk": False}

    rounds = {r["prompt"]: r for r in doc["rounds"]}
    assert [r["prompt"] for r in doc["rounds"]] == [*RUN_ORDER, "Never held"]
    assert [r["number"] for r in doc["rounds"]] == list(range(1, 9))
    assert [r["ran"] for r in doc["rounds"]] == [True] * 7 + [False]
    ids = ran.ideas
    assert rounds["Quiet ideas"]["held_back"] == 1 and rounds["Quiet ideas"]["merged"] == 1
    assert rounds["First dots"]["tallies"] == {
        ids["Coffee at ten"]: 3, ids["Walk and talk"]: 2, ids["Random coffee pairs"]: 1}
    assert rounds["First dots"]["voters"] == 2 and rounds["Final dots"]["voters"] == 2
    assert rounds["Rate them"]["voters"] == 2
    assert sorted(rounds["First dots"]["top"]) == sorted(
        [ids["Coffee at ten"], ids["Walk and talk"], ids["Random coffee pairs"]])
    assert sorted(rounds["Final dots"]["top"]) == sorted(
        [ids["Walk and talk"], ids["Random coffee pairs"]])
    assert rounds["Final dots"]["method"]["top_n"] == 2

    by_text = {i["text"]: i for i in doc["ideas"]}
    assert set(by_text) == {"Coffee at ten", "Walk and talk", "Random coffee pairs",
                            "Lunch quiz", "Team radio", "Photo of your desk", "Birthday calls",
                            "A late thought", "Stamped with the vote round"}
    first, final = rounds["First dots"]["id"], rounds["Final dots"]["id"]
    assert by_text["Coffee at ten"]["votes_by_round"] == {first: 3, final: 1}
    assert by_text["Coffee at ten"]["top"] is False  # the last vote round decides
    assert by_text["Walk and talk"]["top"] is True
    assert by_text["Coffee at ten"]["round_id"] == rounds["Open ideas"]["id"]
    assert by_text["Coffee at ten"]["cluster_id"] == "c-coffee"
    assert by_text["Random coffee pairs"]["round_id"] == rounds["Quiet ideas"]["id"]
    assert by_text["Team radio"]["round_id"] == rounds["Pass the sheet"]["id"]
    assert by_text["A late thought"]["round_id"] is None
    assert by_text["Stamped with the vote round"]["round_id"] is None
    rating = by_text["Coffee at ten"]["rating"]
    assert (rating["originality"], rating["feasibility"], rating["count"]) == (4.0, 3.0, 2)
    assert [(n["kind"], n["owner"]) for n in doc["notes"]] == [
        ("decision", None), ("action", "Bram"), ("action", "Cleo")]


async def test_an_anonymous_session_names_no_owner_and_no_one(api: Api) -> None:
    ran = await run_the_session(api, anonymous=True)
    md = await _export(api, ran, "md")
    for name in ("Anna", "Bram", "Cleo", "Dirk", "owner:"):
        assert name not in md, name
    assert "- **Contributed:** 3 participants wrote an idea, placed dots or rated\n" in md
    assert "- Book the room — due 22 January 2027\n" in md


async def test_the_session_time_zone_is_checked_changeable_and_used_by_every_export(
        api: Api) -> None:
    refused = await api.call("POST", "/sessions", body={
        "title": "T", "settings": {"timezone": "Mars/Olympus"}}, expect=422)
    assert refused["error"] == "invalid" and "IANA" in refused["message"]
    sid, f, code = await api.create(settings={"timezone": "Europe/Amsterdam"})
    ann = await api.join(sid, code, "Ann")
    for body in ({"timezone": "Europe/Nowhere"}, {"timezone": 3}, {}, {"anonymous": True}):
        answer = await api.call("PATCH", f"/sessions/{sid}/settings", f.token, body, expect=422)
        assert answer["error"] == "invalid"
    await api.call("PATCH", f"/sessions/{sid}/settings", ann.token,
                   {"timezone": "UTC"}, expect=403)
    view = await api.call("GET", f"/sessions/{sid}", ann.token, expect=200)
    assert view["settings"]["timezone"] == "Europe/Amsterdam"  # nothing changed

    changed = await api.call("PATCH", f"/sessions/{sid}/settings", f.token,
                             {"timezone": "America/New_York"}, expect=200)
    assert changed["settings"]["timezone"] == "America/New_York"
    ran = Ran(sid, f, {"Ann": ann})
    assert "(America/New\\_York)" in await _export(api, ran, "md")  # escaped Markdown
    bad = await api.http.get(f"/api/sessions/{sid}/export.md?tz=Nowhere",
                             headers={"Authorization": f"Bearer {f.token}"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid"
    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    await api.call("PATCH", f"/sessions/{sid}/settings", f.token, {"timezone": "UTC"},
                   expect=410)
