"""The operator's copy of the audit trail: one JSON object per line, on standard error
or appended to a file (--audit-log).

A line is written with one write() call on a file opened with O_APPEND, so the lines of
several worker processes appending to the same file do not interleave. The file is
created 0600: the trail names participants.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

from .trail import Entry

STDERR = "stderr"


def line(entry: Entry) -> str:
    """The sink's line of an entry: the stored entry, `type` "audit" and an ISO time, so
    an operator can pick the audit lines out of a log stream."""
    data: dict[str, Any] = {"type": "audit", **entry.to_json()}
    data["time"] = datetime.fromtimestamp(entry.at / 1000, UTC).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


class AuditSink:
    def __init__(self, target: str = STDERR) -> None:
        self.target = target
        self._fd: int | None = None

    def open(self) -> None:
        if self.target != STDERR and self._fd is None:
            self._fd = os.open(self.target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, entry: Entry) -> None:
        data = line(entry).encode()
        if self.target == STDERR:
            sys.stderr.write(data.decode())
            sys.stderr.flush()
            return
        if self._fd is None:
            self.open()
        assert self._fd is not None
        os.write(self._fd, data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
