"""The download name of an export: `<title-slug>-<YYYY-MM-DD>.<ext>`, plain ASCII."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MAX_SLUG = 60
FALLBACK = "sprankel-session"


def slug(title: str) -> str:
    """`Koffiehoek: thuis & werk!` -> `koffiehoek-thuis-werk`; accents folded, ASCII only."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(text) > MAX_SLUG:
        text = text[:MAX_SLUG].rsplit("-", 1)[0] or text[:MAX_SLUG]
    return text.strip("-") or FALLBACK


def export_filename(title: str, day: date | None, ext: str) -> str:
    stem = slug(title)
    return f"{stem}-{day.isoformat()}.{ext}" if day else f"{stem}.{ext}"
