"""A session's hallway ("gang"): one table, open before the facilitator starts the first
round and after the end, so people can linger as they would in a room. The facilitator
may open or close it at any time; ``null`` returns it to that rule. The choice holds for
the phase it was made in (before, during or after the session): starting the session
closes the hallway and ending it opens it again, whatever was chosen before.

Record ``voice-hallway`` SID {open: true | false | null, phase}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..kernel.errors import Invalid
from ..kernel.validation import body_object, only_fields
from .tables import TableSpec

HALLWAY = "voice-hallway"
TABLE = TableSpec("gang", "Gang", 12)  # a corridor holds more than a table's six


def phase(started: bool, ended: bool) -> str:
    return "after" if ended else "during" if started else "before"


def is_open(started: bool, ended: bool, record: Mapping[str, Any] | None) -> bool:
    now = phase(started, ended)
    # A record of another phase is a choice that has lapsed (one without a phase predates them).
    override = (record or {}).get("open") if (record or {}).get("phase", now) == now else None
    if isinstance(override, bool):
        return override
    return not started or ended


def hallway_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("open",))
    value = body.get("open", "missing")
    if not (value is None or isinstance(value, bool)):  # 0 and 1 are not true and false
        raise Invalid("open must be true, false or null (open before the start and after "
                      "the end)")
    return {"open": body["open"]}
