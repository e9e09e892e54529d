"""A session started from a chat message is named by the message, cut at a word."""

from __future__ import annotations

from sprankel.api.spaces import TITLE_WORDS, _title_from


def test_the_title_is_the_messages_first_line_without_a_label() -> None:
    assert _title_from("Ik! Zullen we de vrijdagborrel online doen?") == (
        "Ik! Zullen we de vrijdagborrel online doen?")
    assert _title_from("Koffie?\nOm tien uur") == "Koffie?"
    assert _title_from("  veel    spaties  ") == "veel spaties"


def test_a_long_message_is_cut_at_a_word_with_an_ellipsis() -> None:
    long = "Zullen we " + "heel " * 30 + "lang praten?"
    title = _title_from(long)
    assert title.endswith("…") and len(title) <= TITLE_WORDS + 1
    assert title[:-1] == title[:-1].rstrip() and " hee…" not in title
    assert _title_from("x" * 100) == "x" * TITLE_WORDS + "…"  # one long word: cut anyway
