"""The JSON export: everything in the view model, machine-readable, for the record.

The document carries `schema_version` (model.SCHEMA_VERSION); times are ISO 8601 in
UTC with a "Z", dates ISO 8601, durations in whole seconds. Keys keep the order of the
view model, so the same session always gives the same bytes apart from `generated_at`.
Votes and ratings are published tallies per idea, never who gave them.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from .model import SCHEMA_VERSION, SessionExport, iso

SCHEMA_ID = "https://sprankel.invalid/schemas/session-export/v1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def export_document(model: SessionExport) -> dict[str, Any]:
    """The JSON export as Python values."""
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generated_at": _plain(model.generated_at),
        "generator": model.generator,
        "session": _plain(model.meta),
        "participant_count": model.participant_count,
        "observer_count": model.observer_count,
        "participants": _plain(model.participants),
        "held_back": model.held_back,
        "rounds": _plain(model.rounds),
        "clusters": _plain(model.clusters),
        "ideas": _plain(model.ideas),
        "whiteboard": _plain(model.whiteboard),
        "notes": _plain(model.notes),
    }


def render_json(model: SessionExport) -> str:
    return json.dumps(export_document(model), ensure_ascii=False, indent=2) + "\n"
