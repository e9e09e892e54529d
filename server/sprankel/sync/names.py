"""Document names: letters, digits, '-' and '_' in '/'-separated segments.

Names travel unencoded in the y-websocket URL and become storage keys, so only
URL-safe characters are allowed and the length is bounded.
"""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 200

_NAME = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*")


def is_valid_document_name(name: str) -> bool:
    return len(name) <= MAX_NAME_LENGTH and _NAME.fullmatch(name) is not None
