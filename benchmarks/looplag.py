"""The largest event-loop delay of Sprankel's processes during a scenario.

Sprankel measures it itself (server/sprankel/looplag.py, sampled every 5 ms) and
serves the largest delay since the previous scrape on its metrics address; the
runner scrapes once as a scenario starts (which resets it) and once as it ends.
The other servers have no such measurement: their column stays empty.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Sequence

GAUGE = "sprankel_event_loop_lag_max_seconds"


def scrape_max_ms(urls: Sequence[str]) -> float | None:
    """The largest delay since the previous scrape over all processes (ms); resets it."""
    found: list[float] = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                text = response.read().decode()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(GAUGE + " "):
                found.append(float(line.split()[1]) * 1000)
    return max(found) if found else None
