"""Opening a room's document: the stored state applied to the live Doc, repaired first.

Every stored part goes through the guard (restore.py) before Yrs sees it; what an
older version let in is repaired or set aside for the operator, and the repaired
state is written back. Then the store notes that this document is guarded, so the
export command may skip the check.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pycrdt import Doc, merge_updates

from ..store import Store
from . import protocol
from .guard import UpdateLimits
from .restore import GUARDED, QUARANTINE, guarded_record, quarantine_record, restore
from .type_depths import TypeDepths

log = logging.getLogger("sprankel.sync")


async def apply_stored(name: str, stored: list[bytes], doc: Doc[Any], depths: TypeDepths,
                       store: Store, limits: UpdateLimits) -> int:
    """Apply the stored state to ``doc`` (learning its depths); returns its size in bytes."""
    # Reading a big board's bytes in Python takes a while: off the event loop (a pure
    # function of the bytes); the document itself is only touched here, on the loop.
    restored = await asyncio.to_thread(restore, stored, limits)
    parts = [part for part, _ in restored.parts]
    if parts:
        try:
            doc.apply_update(parts[0] if len(parts) == 1 else merge_updates(*parts))
        except (ValueError, RuntimeError) as error:
            restored.unreadable.extend((part, str(error)) for part in parts)
            restored.parts, parts = [], []
    for _, parsed in restored.parts:
        depths.learn(parsed)
    if not restored.changed:
        return restored.size
    if restored.unreadable:
        key, record = quarantine_record(name, restored.unreadable)
        await store.put_record(QUARANTINE, key, record)
        log.error("quarantined doc=%s parts=%d record=%s/%s reason=%r", name,
                  len(restored.unreadable), QUARANTINE, key, restored.unreadable[0][1])
    state = doc.get_update()
    if state == protocol.EMPTY_UPDATE:
        state = b""
    await store.replace(name, state)
    if restored.repaired_values:
        log.warning("repaired doc=%s values=%d", name, restored.repaired_values)
    return len(state)


async def mark_guarded(name: str, depths: TypeDepths, store: Store) -> None:
    """Note in the store that this document is checked: whatever is stored from now on
    went through the guard, so the export command may skip the check (restore.py)."""
    mark = guarded_record(depths.shallow)
    if await store.get_record(GUARDED, name) != mark:
        await store.put_record(GUARDED, name, mark)
