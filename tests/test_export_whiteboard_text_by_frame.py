"""The whiteboard's words in the export: texts and sticky notes by frame, in reading order."""

from __future__ import annotations

import json

from pycrdt import Array, Doc, Map

from sample_session import sample_session
from sprankel.export import render
from sprankel.export.whiteboard import whiteboard_frames


def element(id: str, type: str, x: float, y: float, **extra: object) -> dict[str, object]:
    return {"id": id, "type": type, "x": x, "y": y, "isDeleted": False, **extra}


def y_excalidraw(elements: list[dict[str, object]]) -> list[object]:
    """The elements as y-excalidraw stores them, read back through pycrdt."""
    writer: Doc[Array[Map[object]]] = Doc()
    array = writer.get("elements", type=Array)
    for k, el in enumerate(elements):
        array.append(Map({"pos": f"a{k}", "el": el}))
    reader: Doc[Array[Map[object]]] = Doc()
    reader.apply_update(writer.get_update())
    return list(reader.get("elements", type=Array).to_py() or [])


def test_texts_and_sticky_notes_are_grouped_by_frame_in_reading_order() -> None:
    elements = [
        element("f2", "frame", 0, 500, name="Later"),
        element("f1", "frame", 0, 0, name="Ideas"),
        element("t2", "text", 10, 200, text="second", frameId="f1"),
        element("t1", "text", 300, 20, text="first", frameId="f1"),
        element("note", "rectangle", 50, 600, frameId="f2"),
        element("t3", "text", 60, 610, text="on a sticky note", containerId="note"),
        element("t4", "text", 900, 900, text="loose"),
        element("t5", "text", 0, 0, text="deleted", isDeleted=True),
        element("t6", "text", 0, 0, text="   "),
        element("f3", "frame", 0, 900, name="Empty"),
    ]
    frames = whiteboard_frames(y_excalidraw(elements))
    assert [(f.id, f.title, f.texts) for f in frames] == [
        ("f1", "Ideas", ["first", "second"]),
        ("f2", "Later", ["on a sticky note"]),
        (None, None, ["loose"]),
    ]


def test_elements_kept_as_json_strings_and_bare_elements_are_read() -> None:
    frames = whiteboard_frames([
        {"pos": "a0", "el": json.dumps(element("t1", "text", 0, 0, text="from json"))},
        element("t2", "text", 0, 10, text="bare"),
        {"pos": "a1", "el": "{not json"},
        "garbage",
    ])
    assert frames[0].texts == ["from json", "bare"]


def test_frame_names_and_texts_are_escaped_in_the_summary() -> None:
    model = sample_session(2, texts=["# [x](javascript:alert(1))"])
    markdown = render(model, "md")
    assert "### \\# \\[x\\](javascript:alert(1))" in markdown
