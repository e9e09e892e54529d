"""CPU time and resident memory of server processes, read from /proc (Linux)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcessSample:
    pid: int
    wall: float  # time.monotonic() of the sample
    cpu_seconds: float  # user + system time of the process so far
    rss_bytes: int


def sample(pid: int) -> ProcessSample:
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return ProcessSample(pid, time.monotonic(), (utime + stime) / _TICKS, rss_pages * _PAGE)


def sample_processes(pids: Iterable[int]) -> list[ProcessSample]:
    return [sample(pid) for pid in pids]


def machine_busy_seconds() -> tuple[float, float]:
    """(monotonic time, CPU seconds all cores spent busy so far): for the machine's load."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = [int(f) for f in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return time.monotonic(), (sum(ticks[:8]) - idle) / _TICKS


def rss_bytes(pids: Iterable[int]) -> int:
    return sum(sample(pid).rss_bytes for pid in pids)


def tree(pid: int) -> list[int]:
    """The process and all its descendants (a supervisor's workers count as the server)."""
    pids = [pid]
    for index in range(10_000):  # bounded: a process tree is never that large here
        if index >= len(pids):
            break
        for task in Path(f"/proc/{pids[index]}/task").glob("*/children"):
            try:
                pids.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return pids
