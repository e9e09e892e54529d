"""Reading a document's stored state safely, repairing what an older version let in.

Before the update guard existed, an update could store a value nested so deep that
reading it later crashes the process. At load every stored part goes through the guard:
over-deep values are replaced by null (same item length, so every ID stays valid) and
the room writes the repaired state back; a part that cannot be parsed at all is set
aside for the operator (a quarantine record) instead of being applied.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from dataclasses import dataclass, field

from .guard import GuardError, ParsedUpdate, UpdateLimits, parse_update, repaired

QUARANTINE = "quarantine"  # record kind: stored parts that could not be read
# Record kind, by document name: a room of this version loaded (and repaired) it, so all
# that is stored of it went through the guard. {"shallow": no type nested too deep}.
GUARDED = "guarded"


@dataclass(slots=True)
class Restored:
    parts: list[tuple[bytes, ParsedUpdate]] = field(default_factory=list)
    repaired_values: int = 0
    unreadable: list[tuple[bytes, str]] = field(default_factory=list)  # part, reason

    @property
    def changed(self) -> bool:
        return bool(self.repaired_values or self.unreadable)

    @property
    def size(self) -> int:
        return sum(len(part) for part, _ in self.parts)


def restore(stored: list[bytes], limits: UpdateLimits) -> Restored:
    """Check every stored part; repair over-deep values, set aside unreadable parts."""
    out = Restored()
    for part in stored:
        # Stored state is not one client's update: a large snapshot may hold many structs.
        own = dataclasses.replace(
            limits, max_update_structs=max(limits.max_update_structs, len(part))
        )
        try:
            parsed = parse_update(part, own, repair=True)
        except GuardError as error:
            out.unreadable.append((part, str(error)))
            continue
        if parsed.repairs:
            out.repaired_values += len(parsed.repairs)
            part = repaired(part, parsed)
            parsed = parse_update(part, own)
        out.parts.append((part, parsed))
    return out


def guarded_record(shallow: bool) -> dict[str, object]:
    return {"shallow": shallow}


def quarantine_record(name: str, parts: list[tuple[bytes, str]]) -> tuple[str, dict[str, object]]:
    """The record that keeps unreadable stored parts: its key and value."""
    now = time.time()
    key = f"{name}@{now:.6f}"
    value: dict[str, object] = {
        "doc": name,
        "at": int(now * 1000),
        "parts": [
            {"reason": reason, "bytes": base64.b64encode(part).decode("ascii")}
            for part, reason in parts
        ],
    }
    return key, value
