"""Every text of the browser client exists in Dutch and in English."""

from __future__ import annotations

import re
from pathlib import Path

CLIENT = Path(__file__).resolve().parent.parent / "client" / "src"
ENTRY = re.compile(r'^\s+"([a-z0-9.]+)": "', re.M)


def messages() -> dict[str, set[str]]:
    source = (CLIENT / "lib" / "i18n.js").read_text(encoding="utf-8")
    nl_start = source.index("\n  nl: {")
    en_start = source.index("\n  en: {")
    end = source.index("\n};", en_start)
    return {"nl": set(ENTRY.findall(source[nl_start:en_start])),
            "en": set(ENTRY.findall(source[en_start:end]))}


def test_dutch_and_english_have_the_same_texts() -> None:
    found = messages()
    assert len(found["nl"]) > 100
    assert found["nl"] - found["en"] == set()
    assert found["en"] - found["nl"] == set()


def test_every_literal_key_the_code_uses_is_translated() -> None:
    keys = messages()["nl"]
    used: set[str] = set()
    for path in CLIENT.rglob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z0-9.]+)"', path.read_text(encoding="utf-8")))
    assert used, "no t(...) calls found: the pattern is wrong"
    assert used - keys == set()
