"""Hostile idea, cluster, note, name and whiteboard text cannot change the summary's structure.

The summary is parsed with markdown-it-py (CommonMark plus tables and strikethrough, with
raw HTML on, as most renderers have it): a session whose every text is hostile must give
exactly the block structure of the same session with harmless text, no link, image, HTML,
code or strikethrough token, and every user text must come back unchanged as plain text.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from sample_session import sample_session
from sprankel.export import render
from sprankel.export.model import clean_text

HOSTILE = [
    "# x",
    "## two\n### three",
    "####### seven",
    "[a](javascript:alert(1))",
    "[a]: https://evil.example/ref",
    "[^1]: footnote",
    "![i](https://evil.example/pixel.png)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- comment -->",
    "<div>\n\nblock\n\n</div>",
    "<https://evil.example>",
    "a | b | c\n--- | --- | ---\n1 | 2 | 3",
    "| table | row |",
    "`code` and ``double``",
    "```\nfenced\n```",
    "~~~\nfenced\n~~~",
    "~~strike~~",
    "*em* _em_ **strong** __strong__",
    "---",
    "***",
    "___",
    "- - -",
    "Title\n===",
    "Title\n---",
    "1. x",
    "1) x",
    "2026. the year",
    "- item\n- item2",
    "+ plus",
    "* star",
    "- [ ] task",
    "> q",
    "a\n> quoted continuation",
    "    indented code",
    "\tindented with a tab",
    "&lt;b&gt; &amp; &#60; &#x3C;",
    "\\",
    "ends with a backslash \\",
    "$x^2$ and $$y$$",
    "emoji 🎉 👩‍💻 🇳🇱",
    "עברית עם מספר 123",
    "مرحبا بالعالم 42",
    "\u202eoverride to right-to-left",
    "line one\r\nline two\rline three\u2028line four",
    "blank lines\n\n\n\nbetween",
    "NUL\x00 and escape \x1b[31m",
    "x" * 20000,
    "word " * 3000,
    "javascript:alert(1)",
    "#hashtag and C#",
    ": definition",
    "= equals",
]

ALLOWED_INLINE = {"text", "hardbreak", "strong_open", "strong_close", "em_open", "em_close"}


def parser() -> MarkdownIt:
    return MarkdownIt("default")  # CommonMark + tables + strikethrough, HTML on, no linkify


def block_structure(tokens: list[Token]) -> list[tuple[str, str, int]]:
    return [(t.type, t.tag, t.level) for t in tokens if t.type != "inline"]


def inline_types(tokens: list[Token]) -> Counter[str]:
    return Counter(c.type for t in tokens if t.type == "inline" for c in t.children or [])


def summary(texts: list[str], language: str = "en") -> str:
    return render(sample_session(12, language, texts=texts, clusters=3), "md")


BASELINE = {lang: parser().parse(summary(["plain words"], lang)) for lang in ("en", "nl")}


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_gives_the_structure_of_harmless_text(hostile: str, language: str) -> None:
    tokens = parser().parse(summary([hostile], language))
    baseline = BASELINE[language]
    assert block_structure(tokens) == block_structure(baseline)
    types = inline_types(tokens)
    assert set(types) <= ALLOWED_INLINE, types
    # Bold (labels, the top mark) and emphasis (the footer) are Sprankel's own: exactly as
    # many as with harmless text.
    for own in ("strong_open", "em_open"):
        assert types[own] == inline_types(baseline)[own]


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_rendered_html_carries_no_markup_from_user_text(hostile: str) -> None:
    html = parser().render(summary([hostile]))
    lowered = html.lower()
    for tag in ("<script", "<img", "<a ", "<div", "<table", "<code", "<pre", "<h4", "<h5",
                "<h6", "<blockquote", "<s>", "<!--", "<ol start"):
        assert tag not in lowered, (tag, hostile)


def idea_item_text(markdown: str, marker: str) -> str:
    """The text of the idea's list item (the first with a rating), as a reader sees it."""
    tokens = parser().parse(markdown)
    for token in tokens:
        if token.type != "inline" or marker not in token.content or "ratings)" not in token.content:
            continue
        parts = []
        for child in token.children or []:
            parts.append("\n" if child.type == "hardbreak" else child.content)
        return "".join(parts)
    raise AssertionError(f"{marker!r} not found")


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if clean_text(h)],
                         ids=range(len([h for h in HOSTILE if clean_text(h)])))
def test_user_text_reads_back_unchanged(hostile: str) -> None:
    model = sample_session(1, texts=["MARKER " + hostile], clusters=0)
    text = idea_item_text(render(model, "md"), "MARKER")
    shown = text.split(" — ")[0].replace("\u2068", "").replace("\u2069", "")
    expected = "\n".join(
        line.strip() for line in clean_text("MARKER " + hostile).splitlines() if line.strip()
    )
    assert shown == expected


def test_line_breaks_stay_inside_one_list_item() -> None:
    model = sample_session(1, texts=["first line\nsecond line\n- third line"], clusters=0)
    tokens = parser().parse(render(model, "md"))
    items = [t for t in tokens if t.type == "inline" and "first line" in t.content]
    assert items, "idea not found"
    for item in items:  # the idea (and its other uses, e.g. the title) is one paragraph
        assert "second line" in item.content
        assert "third line" in item.content
    idea = [t for t in items if [c.type for c in t.children or []].count("hardbreak") == 2]
    assert idea, "the idea's two line breaks are not hard breaks inside one item"


def test_right_to_left_text_is_isolated_from_the_vote_count() -> None:
    model = sample_session(1, texts=["مرحبا 42"], clusters=0)
    markdown = render(model, "md")
    line = next(line for line in markdown.splitlines() if "مرحبا" in line and "ratings)" in line)
    # The isolate closes before the counts, so they are laid out left to right.
    assert "\u2068مرحبا 42\u2069 — " in line


def test_bidirectional_overrides_are_removed() -> None:
    model = sample_session(1, texts=["abc\u202edef\u2066ghi"], clusters=0)
    out = render(model, "md")
    assert "\u202e" not in out and "\u2066" not in out
    assert "abcdefghi" in out


@pytest.mark.parametrize("language, placeholder", [("en", "(empty)"), ("nl", "(leeg)")])
def test_empty_text_is_shown_as_empty_not_dropped(language: str, placeholder: str) -> None:
    markdown = render(sample_session(3, language, texts=["", "  ", "\n"], clusters=0), "md")
    tokens = parser().parse(markdown)
    ideas = [t for t in tokens if t.type == "inline" and t.content.startswith(placeholder + " — ")]
    assert len(ideas) >= 3
    assert "\n- \n" not in markdown and ": , " not in markdown


def test_random_strings_of_markdown_characters_change_nothing() -> None:
    # Seeded, so a failure can be reproduced; 150 strings of the characters that mean
    # something somewhere in Markdown, mixed with letters, digits, breaks and other scripts.
    rng = random.Random(5)
    alphabet = [*"#*_-+=>|[]()!<>`\\~$&:;.,'\"/ 0123456789aZé🎉א",
                "\n", "\n\n", "\r\n", "    ", "\t", "&amp;"]
    baseline = BASELINE["en"]
    for _ in range(150):
        text = "x" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        tokens = parser().parse(summary([text]))
        assert block_structure(tokens) == block_structure(baseline), repr(text)
        types = inline_types(tokens)
        assert set(types) <= ALLOWED_INLINE, (repr(text), types)
        for own in ("strong_open", "em_open"):
            assert types[own] == inline_types(baseline)[own], repr(text)
