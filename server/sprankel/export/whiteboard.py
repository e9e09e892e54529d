"""The text on the whiteboard (Excalidraw elements, as y-excalidraw stores them), by frame.

y-excalidraw keeps a Y.Array of Y.Map {pos, el}: `el` is the element as Excalidraw
serialises it. What a reader of the summary needs is the words: text elements (free
text, and the text inside a sticky note or other container) and the names of frames.
Deleted elements are skipped; texts are in reading order (top to bottom, then left to
right), frames too, and texts outside every frame come last.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .model import WhiteboardFrame, clean_text

_FRAME_TYPES = ("frame", "magicframe")


def _elements(items: Iterable[Any]) -> list[Mapping[str, Any]]:
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        el = item.get("el", item)  # {pos, el} from y-excalidraw, or a bare element
        if isinstance(el, str):  # some bindings keep the element as a JSON string
            try:
                el = json.loads(el)
            except ValueError:
                continue
        if isinstance(el, Mapping) and el.get("id") and not el.get("isDeleted"):
            out.append(el)
    return out


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _reading_order(el: Mapping[str, Any]) -> tuple[float, float, str]:
    return (_number(el.get("y")), _number(el.get("x")), str(el.get("id")))


def whiteboard_frames(items: Iterable[Any]) -> list[WhiteboardFrame]:
    elements = _elements(items)
    by_id = {str(el["id"]): el for el in elements}
    frames = sorted((el for el in elements if el.get("type") in _FRAME_TYPES),
                    key=_reading_order)
    texts: dict[str | None, list[tuple[tuple[float, float, str], str]]] = {
        str(f["id"]): [] for f in frames
    }
    texts[None] = []
    for el in elements:
        if el.get("type") != "text":
            continue
        text = clean_text(el.get("originalText") or el.get("text"))
        if not text:
            continue
        # Text in a container (a sticky note) sits where the container sits.
        container = by_id.get(str(el.get("containerId"))) if el.get("containerId") else None
        place = container or el
        frame_id = place.get("frameId") or el.get("frameId")
        key = str(frame_id) if frame_id and str(frame_id) in texts else None
        texts[key].append((_reading_order(place), text))
    result = [
        WhiteboardFrame(str(f["id"]), clean_text(f.get("name")) or None,
                        [text for _, text in sorted(texts[str(f["id"])])])
        for f in frames
    ]
    result.append(WhiteboardFrame(None, None, [text for _, text in sorted(texts[None])]))
    return [f for f in result if f.texts]
