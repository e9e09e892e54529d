"""The JSON export: everything in the view model, machine-readable, for the record.

Top level: `schema` ("urn:sprankel:session-export") and `schema_version`
(model.SCHEMA_VERSION: bumped when a field changes meaning or disappears; new fields
may appear without a bump), `generated_at`, `generator`, `session` (title, goal,
language, anonymous, created/started/ended, `retention_until`, facilitator, state,
`timezone`), `participant_count` (who joined), `observer_count`, `contributor_count`
(who wrote an idea, placed dots or rated), `participants` (empty in an anonymous
session; each with `contributed`), `held_back`, `rounds` (in the order they ran:
number, kind, prompt, state, `ran`, `method` with every rule that applied, `timings`
with planned, started, ended, active, paused and extended time, `held_back`, `merged`,
`revealed`, `voters`, published `tallies` and `ratings` by idea id, `top`: the top N
idea ids), `clusters`, `ideas` (stable id, text, round (null for an idea written when
its round did not run), cluster, author unless anonymous, created, `votes_by_round`,
rating, top), `whiteboard` (texts by frame) and `notes` (note, decision or action; the
owner by name, none in an anonymous session), and
`audit` (the audit trail in order: seq, at, action, actor {participant_id, role,
account}, object_type, object_id, details; empty for callers other than a facilitator).

Times are ISO 8601 in UTC with a "Z", dates ISO 8601, durations whole seconds. Keys
keep the order of the view model and maps are sorted by key, so the same session
always gives the same bytes apart from `generated_at`. Votes and ratings are
published tallies per idea, never who gave them.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from .model import SCHEMA_VERSION, AuditEntry, SessionExport, iso

SCHEMA_ID = "urn:sprankel:session-export"


def plain(value: Any) -> Any:
    """A view-model value as JSON values: ISO times, dataclasses as objects, maps sorted."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def audit_entries(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """The trail as JSON values: what plain() gives, written out (a long trail is the
    largest part of some exports, and plain() reads every dataclass's fields)."""
    return [{"seq": e.seq, "at": iso(e.at), "action": e.action,
             "actor": {"participant_id": e.actor.participant_id, "role": e.actor.role,
                       "account": e.actor.account},
             "object_type": e.object_type, "object_id": e.object_id,
             "details": dict(sorted(e.details.items()))} for e in entries]


def export_document(model: SessionExport) -> dict[str, Any]:
    """The JSON export as Python values."""
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generated_at": plain(model.generated_at),
        "generator": model.generator,
        "session": plain(model.meta),
        "participant_count": model.participant_count,
        "observer_count": model.observer_count,
        "contributor_count": model.contributor_count,
        "participants": plain(model.participants),
        "held_back": model.held_back,
        "rounds": plain(model.rounds),
        "clusters": plain(model.clusters),
        "ideas": plain(model.ideas),
        "whiteboard": plain(model.whiteboard),
        "notes": plain(model.notes),
        "audit": audit_entries(model.audit),
    }


def render_json(model: SessionExport) -> str:
    return json.dumps(export_document(model), ensure_ascii=False, indent=2) + "\n"
