"""The text on the whiteboard (Excalidraw elements, as y-excalidraw stores them), by frame.

y-excalidraw keeps a Y.Array of Y.Map {pos, el}: `el` is the element as Excalidraw
serialises it. What a reader of the summary needs is the words: text elements (free
text, and the text inside a sticky note or other container) and the names of frames.
Deleted elements are skipped; texts are in reading order (top to bottom, then left to
right), frames too, and texts outside every frame come last.

A sticky note that is an idea (customData {ideaId} on the container or its text, see
client/src/whiteboard/stickies.js) is the idea, whose text is the truth: the summary lists
it once, with the ideas, not again under the whiteboard; the drawn scene shows the idea's
current text in it, and a sticky whose idea is not on the board (deleted, never revealed
or a made-up id) keeps its shape without text.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from .model import WhiteboardFrame, clean_text

_FRAME_TYPES = ("frame", "magicframe")
# Embedded web pages load a third party's page in every viewer: the browser drops them, and
# so does the archive.
_DROPPED_TYPES = ("embeddable", "iframe")
# Image data Excalidraw files may carry: raster data: URLs only (an SVG image could script).
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


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


def _idea_id(el: Mapping[str, Any] | None) -> str | None:
    data = el.get("customData") if el is not None else None
    idea = data.get("ideaId") if isinstance(data, Mapping) else None
    return idea if isinstance(idea, str) and idea else None


def _sticky_idea(el: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The idea a text element belongs to: its own customData, or its container's."""
    container = by_id.get(str(el.get("containerId"))) if el.get("containerId") else None
    return _idea_id(el) or _idea_id(container)


def _wrapped(text: str, el: Mapping[str, Any], container: Mapping[str, Any] | None) -> str:
    # Roughly as Excalidraw wraps: the file opens with the text inside its note.
    width = _number((container or el).get("width")) - 10
    size = _number(el.get("fontSize")) or 20.0
    columns = max(8, int(width / (size * 0.55)))
    return "\n".join(textwrap.fill(line, columns) or "" for line in text.split("\n"))


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
        if el.get("type") != "text" or _sticky_idea(el, by_id):
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


def scene_elements(items: Iterable[Any], ideas: Mapping[str, str]) -> list[dict[str, Any]]:
    """The whiteboard's live elements as plain JSON, in drawing order (their fractional
    index `pos`, then id), for the .excalidraw and SVG files of the archive; sticky notes
    with the current text of their idea (`ideas`: id -> text)."""
    ordered: list[tuple[str, str, dict[str, Any]]] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        pos = item.get("pos")
        for el in _elements([item]):
            if el.get("type") in _DROPPED_TYPES:
                continue
            plain = json.loads(json.dumps(el, default=str))
            ordered.append((pos if isinstance(pos, str) else "", str(el["id"]), plain))
    ordered.sort(key=lambda t: (t[0], t[1]))
    return _with_idea_texts([el for _, _, el in ordered], ideas)


def _with_idea_texts(elements: list[dict[str, Any]], ideas: Mapping[str, str]
                     ) -> list[dict[str, Any]]:
    by_id = {str(el["id"]): el for el in elements}
    out = []
    for el in elements:
        idea = _sticky_idea(el, by_id) if el.get("type") == "text" else None
        if idea is None:
            out.append(el)
        elif idea in ideas:
            container = by_id.get(str(el.get("containerId")))
            out.append({**el, "originalText": ideas[idea],
                        "text": _wrapped(ideas[idea], el, container)})
        else:
            dropped = str(el["id"])
            for other in elements:  # the note's shape forgets the text it had
                if isinstance(other.get("boundElements"), list):
                    other["boundElements"] = [
                        b for b in other["boundElements"]
                        if not (isinstance(b, Mapping) and b.get("id") == dropped)]
    return out


def scene_files(assets: Mapping[str, Any], elements: list[dict[str, Any]]
                ) -> dict[str, dict[str, Any]]:
    """The image data the elements use, as Excalidraw's `files`: raster data: URLs only."""
    used = {str(el.get("fileId")) for el in elements if el.get("type") == "image"}
    out: dict[str, dict[str, Any]] = {}
    for file_id in sorted(used):
        file = assets.get(file_id)
        if not isinstance(file, Mapping):
            continue
        mime, url = file.get("mimeType"), file.get("dataURL")
        if mime in _IMAGE_TYPES and isinstance(url, str) and url.startswith(f"data:{mime};base64,"):
            created = file.get("created")
            out[file_id] = {"id": file_id, "mimeType": mime, "dataURL": url,
                            "created": created if isinstance(created, int | float) else 0}
    return out
