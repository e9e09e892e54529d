"""The tables of a coffee moment's random groups: one per group ("Koffie 1", "Koffie 2",
...), where only its members may sit. They stand from the moment's start to its end; after
the end a table stays while someone still sits there (the talk is not cut off), at most
OVERTIME_MS, and goes as soon as it is empty.

Record ``space-groups`` ID {tables: [{id, name, seats, members, moment, ends_at}]}:
written once per occurrence, by the process that holds the moment's lease (gatherings.py),
read by every process's voice views (api/voice.py); it goes when its last table has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .tables import MAX_SEATS

GROUPS = "space-groups"
OVERTIME_MS = 60 * 60_000  # a group still talking after the moment keeps its table this long
SPARE_SEATS = 1  # a member's second tab, or a seat not yet freed after a reconnection


def table_id(number: int) -> str:
    # Space tables have random ids (kernel/ids.py): "koffie-N" never meets one of them.
    return f"koffie-{number}"


def new_tables(groups: Sequence[Sequence[str]], moment_id: str, ends_at: int,
               taken: Iterable[str]) -> list[dict[str, Any]]:
    """A table per group, numbered from 1 past the numbers still in use in the space."""
    used = set(taken)
    tables: list[dict[str, Any]] = []
    number = 1
    for group in groups:
        while table_id(number) in used:
            number += 1
        tables.append({"id": table_id(number), "name": f"Koffie {number}",
                       "seats": min(MAX_SEATS, len(group) + SPARE_SEATS),
                       "members": list(group), "moment": moment_id, "ends_at": ends_at})
        number += 1
    return tables


def live(tables: Iterable[dict[str, Any]], now_ms: int) -> list[dict[str, Any]]:
    """The tables that may still stand (the others are gone for good)."""
    return [t for t in tables if now_ms < int(t["ends_at"]) + OVERTIME_MS]


def standing(table: dict[str, Any], now_ms: int, sitting: int) -> bool:
    """Whether a group's table is there now, with `sitting` people at it."""
    ends = int(table["ends_at"])
    return now_ms < ends or (sitting > 0 and now_ms < ends + OVERTIME_MS)
