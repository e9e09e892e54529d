"""The Idea model reads and writes the documents' idea layout without changing it."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from sprankel.facilitation import documents as docs
from sprankel.facilitation.model import Idea

BOARD_IDEA: dict[str, Any] = {
    "id": "i1", "text": "Koffie om tien", "author_id": "p1", "author_name": "Anna",
    "round_id": "r1", "cluster_id": None, "color": "yellow", "created_at": 1_700_000_000_000.0,
}


def _doc_with(idea: dict[str, Any]) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.get(docs.IDEAS, type=Map)[idea["id"]] = Map(dict(idea))
    return doc


def test_a_board_idea_reads_back_as_the_document_holds_it() -> None:
    [idea] = docs.read_ideas(_doc_with(BOARD_IDEA))
    assert idea.text == "Koffie om tien" and idea.author_name == "Anna"
    assert idea.to_json() == BOARD_IDEA


def test_keys_a_browser_added_beyond_the_layout_are_kept() -> None:
    written = {**BOARD_IDEA, "pinned": True}
    [idea] = docs.read_ideas(_doc_with(written))
    assert idea.extra == {"pinned": True}
    assert idea.to_json() == written


def test_a_brainwriting_draft_keeps_its_sheet_and_others_get_none() -> None:
    draft = {**BOARD_IDEA, "sheet_id": "s1"}
    [on_sheet] = docs.read_ideas(_doc_with(draft))
    assert on_sheet.sheet_id == "s1" and on_sheet.to_json() == draft
    assert "sheet_id" not in Idea.from_json(BOARD_IDEA).to_json()


def test_an_idea_written_by_the_server_has_exactly_the_layout() -> None:
    doc: Doc[Any] = Doc()
    docs.put_idea(doc, Idea.from_json(BOARD_IDEA))
    stored = doc.get(docs.IDEAS, type=Map)["i1"].to_py()
    assert stored == BOARD_IDEA
    assert set(stored) == set(docs.IDEA_FIELDS)


def test_an_idea_without_text_is_skipped() -> None:
    assert docs.read_ideas(_doc_with({"id": "bad", "text": 42})) == []
