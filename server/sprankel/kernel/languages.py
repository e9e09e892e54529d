"""The languages Sprankel speaks: sessions, spaces, pages and summaries share one list."""

from __future__ import annotations

LANGUAGES = ("nl", "en")
# New sessions and spaces, and a page whose visitor has no preference, are in Dutch.
DEFAULT_LANGUAGE = "nl"
