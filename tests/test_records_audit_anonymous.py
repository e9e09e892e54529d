"""In an anonymous session, or an anonymous round, the audit trail never links an idea
to its author: read every stored byte of the trail (the store's rows and the operator's
file) after a session in which participants wrote ideas and the facilitator moderated
them, and find no entry that names both an idea and one of its authors."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from api_harness import Api, Member
from conftest import ServerFactory
from sprankel.audit import AUDIT, AUDIT_SEQUENCE

TEXTS = ("Coffee at ten", "Walk and talk", "Quiz on Friday", "Lunch roulette")


async def moderated_round(api: Api, sid: str, fac: Member, people: list[Member],
                          anonymous_round: bool) -> dict[str, str]:
    """Ideas by each participant, held back and released; returns idea id -> author id."""
    rid = await api.round(sid, fac, hidden=True, anonymous=anonymous_round, auto_reveal=False)
    await api.act(sid, fac, rid, "start")
    for who, text in zip(people * 2, TEXTS, strict=True):
        await api.call("POST", f"/sessions/{sid}/ideas", who.token, {"text": text}, expect=201)
    hidden = (await api.call("GET", f"/sessions/{sid}/hidden-ideas", fac.token,
                             expect=200))["ideas"]
    assert len(hidden) == len(TEXTS)
    authors = {}
    for idea in hidden:
        assert idea["author_id"] is None  # anonymous: the facilitator does not see it either
        author = people[TEXTS.index(idea["text"]) % len(people)]
        authors[idea["id"]] = author.id
    held = list(authors)[:3]
    for idea_id in held:
        await api.call("POST", f"/sessions/{sid}/ideas/{idea_id}/hold", fac.token, expect=200)
    await api.call("POST", f"/sessions/{sid}/ideas/{held[0]}/release", fac.token, expect=200)
    await api.act(sid, fac, rid, "reveal")
    return authors


def stored_trail(data_dir: Path) -> list[tuple[str, str, str]]:
    """Every row of the trail's two record kinds, as stored: (kind, key, data)."""
    with sqlite3.connect(data_dir / "sprankel.sqlite3") as db:
        rows = db.execute("SELECT kind, key, data FROM records WHERE kind IN (?, ?)",
                          (AUDIT, AUDIT_SEQUENCE)).fetchall()
    db.close()
    return [(str(k), str(key), str(d)) for k, key, d in rows]


def assert_no_link(chunks: list[str], authors: dict[str, str], fac: Member) -> None:
    """No chunk (an entry's bytes) names an idea together with its author, or any idea
    with anyone but the facilitator."""
    people = set(authors.values())
    idea_chunks = [c for c in chunks if any(i in c for i in authors)]
    assert idea_chunks, "the moderation should be in the trail"
    for chunk in idea_chunks:
        assert not any(p in chunk for p in people), chunk
        assert fac.id in chunk
    for chunk in chunks:
        assert not any(text in chunk for text in TEXTS), chunk


@pytest.mark.parametrize("where", ["session", "round"])
async def test_the_trail_never_links_an_idea_to_its_author(
        start_server: ServerFactory, tmp_path: Path, where: str) -> None:
    log_file = tmp_path / "audit.jsonl"
    server = start_server("--audit-log", str(log_file))
    api = Api(server)
    try:
        sid, fac, code = await api.create(settings={"anonymous": where == "session"})
        people = [await api.join(sid, code, name) for name in ("Ann", "Bob")]
        authors = await moderated_round(api, sid, fac, people, where == "round")
        headers = {"Authorization": f"Bearer {fac.token}"}
        exported = (await api.http.get(f"/api/sessions/{sid}/export.json",
                                       headers=headers)).json()
        archive = (await api.http.get(f"/api/sessions/{sid}/export.zip",
                                      headers=headers)).content
    finally:
        await api.aclose()
    server.stop()

    rows = stored_trail(server.data_dir)
    assert {kind for kind, _, _ in rows} == {AUDIT, AUDIT_SEQUENCE}
    assert all(key.startswith(f"{sid}/") for kind, key, _ in rows if kind == AUDIT)
    assert_no_link([key + data for _, key, data in rows], authors, fac)
    assert_no_link(log_file.read_text().splitlines(), authors, fac)

    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        zipped_trail = json.loads(z.read("audit.json"))["entries"]
    for trail in (exported["audit"], zipped_trail):
        assert_no_link([json.dumps(e) for e in trail], authors, fac)
    if where == "session":
        # The export of an anonymous session holds no participant's id at all.
        blob = json.dumps(exported) + json.dumps(zipped_trail)
        assert not any(p.id in blob for p in people)
        joined = [e["actor"]["participant_id"] for e in exported["audit"]
                  if e["action"] == "participant.joined"]
        assert joined == ["participant-1", "participant-2"]


async def test_an_unknown_action_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    # The names are one list (ACTIONS): a typo in a feature fails loudly, not silently.
    from sprankel.audit import AuditTrail
    from sprankel.audit.trail import Actor
    from sprankel.kernel.clock import SystemClock
    from sprankel.store.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "sprankel.sqlite3")
    await store.start()
    try:
        trail = AuditTrail(store, SystemClock())
        with pytest.raises(ValueError, match="unknown audit action"):
            await trail.record("s", "idea.authored", Actor("p", "participant"), "i")
        assert await trail.entries("s") == []
        entry = await trail.record("s", "participant.removed", Actor("f", "facilitator"), "p")
        assert (entry.seq, entry.object_type) == (1, "participant")
        await trail.forget("s")
        assert await store.list_records(AUDIT) == {}
        assert await store.get_record(AUDIT_SEQUENCE, "s") is None
    finally:
        await store.close()
