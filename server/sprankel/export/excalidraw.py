"""The whiteboard as an Excalidraw file (`.excalidraw`), the JSON that excalidraw.com and
the Excalidraw editor open: `{"type": "excalidraw", "version": 2, "source", "elements",
"appState", "files"}`.

The elements are the board's own (Sprankel's whiteboard is Excalidraw, so they are its
elements as the browsers wrote them), without deleted ones and embedded web pages, in
drawing order; `files` carries the raster images they show as data: URLs. Keys are sorted,
so the same board gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from .model import SessionExport

SOURCE = "https://github.com/sprankel"  # Excalidraw shows where a file came from


def scene(model: SessionExport) -> dict[str, Any]:
    return {
        "type": "excalidraw",
        "version": 2,
        "source": SOURCE,
        "elements": model.scene,
        "appState": {"viewBackgroundColor": "#ffffff", "gridSize": None},
        "files": model.scene_files,
    }


def render_excalidraw(model: SessionExport) -> str:
    return json.dumps(scene(model), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
