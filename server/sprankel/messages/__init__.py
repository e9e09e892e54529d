"""The message catalogues: one JSON file per language, read by the browser client (bundled
by esbuild), the Markdown export and the page shell alike.

Keys are namespaced by where they are used (`board.add.submit`, `export.goal`,
`page.noscript`); a label that several parts show is one key (`kind.vote`).
tests/test_messages_catalogue.py checks that both languages have the same keys and
placeholders.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from ..kernel.languages import LANGUAGES


@cache
def catalogue(language: str) -> dict[str, str]:
    """The messages of one language (`nl` or `en`), key to text."""
    if language not in LANGUAGES:
        raise ValueError(f"no messages for language {language!r}")
    text = resources.files(__name__).joinpath(f"{language}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{language}.json must be one object of strings")
    return data
