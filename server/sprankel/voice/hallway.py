"""A session's hallway ("gang"): one table, open before the facilitator starts the first
round and after the end, so people can linger as they would in a room. The facilitator
may open or close it at any time; ``null`` returns it to that rule.

Record ``voice-hallway`` SID {open: true | false | null}.
"""

from __future__ import annotations

from typing import Any

from ..kernel.errors import Invalid
from ..kernel.validation import body_object, only_fields
from .tables import TableSpec

HALLWAY = "voice-hallway"
TABLE = TableSpec("gang", "Gang", 12)  # a corridor holds more than a table's six


def is_open(started: bool, ended: bool, override: bool | None) -> bool:
    if override is not None:
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
