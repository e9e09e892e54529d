"""The voice tables of a space, as its record keeps them (voice/tables.py seats people at
them): their limits, the table every space has, and the fields of a new one."""

from __future__ import annotations

from typing import Any

from ..kernel.errors import Invalid
from ..kernel.validation import body_object, only_fields, text

MAX_TABLE_NAME = 40
MAX_TABLES = 12
DEFAULT_SEATS = 6
MAX_SEATS = 12  # a full mesh of audio: each seat sends to every other one
# The table every space has: absent from a record until the team changes its tables.
DEFAULT_TABLES = ({"id": "koffietafel", "name": "Koffietafel", "seats": DEFAULT_SEATS,
                   "muted_on_arrival": False, "cameras": False},)


def table_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("name", "seats", "muted_on_arrival", "cameras"))
    seats = body.get("seats", DEFAULT_SEATS)
    if not isinstance(seats, int) or isinstance(seats, bool) or not 2 <= seats <= MAX_SEATS:
        raise Invalid(f"seats must be a whole number from 2 to {MAX_SEATS}")
    flags = {}
    for flag in ("muted_on_arrival", "cameras"):
        value = body.get(flag, False)
        if not isinstance(value, bool):
            raise Invalid(f"{flag} must be true or false")
        flags[flag] = value
    return {"name": text(body, "name", MAX_TABLE_NAME), "seats": seats, **flags}
