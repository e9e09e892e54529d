"""Exports of a session's results: the Markdown summary, JSON and CSV.

`collect.py` builds the view model (`model.py`) from the store and the documents;
the renderers turn it into text. `render(model, fmt)` picks the renderer.
"""

from __future__ import annotations

from datetime import tzinfo

from .csv_export import render_csv
from .json_export import render_json
from .markdown import render_markdown
from .model import SessionExport, canonical

FORMATS = ("md", "json", "csv")

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


def render(model: SessionExport, fmt: str, tz: tzinfo | str | None = None) -> str:
    """The export in one of FORMATS; `tz` sets the time zone of the Markdown summary."""
    model = canonical(model)
    if fmt == "md":
        return render_markdown(model, tz)
    if fmt == "json":
        return render_json(model)
    if fmt == "csv":
        return render_csv(model)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
