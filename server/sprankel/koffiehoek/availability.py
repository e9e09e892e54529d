"""Who is available: a member's status in a space, kept until the end of the day.

Record ``space-status`` ``ID/MID``: {status, note, day}. ``day`` is the date in the
space's time zone when it was set; on another day the status has lapsed and the member
counts as available again (nothing needs to sweep: a lapsed record reads as none).
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from ..kernel.errors import Invalid
from ..kernel.validation import body_object, only_fields

STATUS = "space-status"
STATUSES = ("available", "in_session", "focus", "away")
AVAILABLE = "available"
MAX_NOTE = 80
DEFAULT_TIME_ZONE = "Europe/Amsterdam"
# The zones the OpenAPI document lists (api/export.py's TIME_ZONES is the same set).
ZONES = frozenset(available_timezones() | {"UTC"})


def zone(name: str) -> ZoneInfo:
    if name not in ZONES:
        raise Invalid(f"{name[:60]!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    return ZoneInfo(name)


def local_day(now_ms: int, time_zone: str) -> str:
    moment = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC)
    return moment.astimezone(zone(time_zone)).date().isoformat()


def current(record: dict[str, Any] | None, today: str) -> dict[str, str]:
    """The status a record stands for today: a lapsed or missing one is available."""
    if record is None or record.get("day") != today:
        return {"status": AVAILABLE, "note": ""}
    return {"status": str(record.get("status", AVAILABLE)), "note": str(record.get("note", ""))}


def status_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("status", "note"))
    status = body.get("status")
    if status not in STATUSES:
        raise Invalid("status must be one of " + ", ".join(STATUSES))
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE or not note.isprintable():
        raise Invalid(f"note must be text of at most {MAX_NOTE} characters on one line")
    return {"status": status, "note": note.strip()}
