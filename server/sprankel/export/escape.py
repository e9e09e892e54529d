"""Markdown escaping of user text (ideas, clusters, notes, whiteboard text, names).

User text must stay text: it can never start a heading, a list, a quote, a table,
a code block, a thematic break, a link or an image, never carry HTML, and never end
the list item or heading it is printed in. The approach is a whitelist of structure:
every character that means something inline is backslash-escaped wherever it occurs
(CommonMark lets any ASCII punctuation be escaped), the characters that mean something
only at the start of a line are escaped there, leading indentation (code blocks) and
blank lines (which would end a list item) are dropped, and the remaining line breaks
become hard breaks that keep the text inside its list item.

Right-to-left lines are wrapped in a first-strong isolate (U+2068 ... U+2069) so that
the numbers Sprankel prints after an idea ("3 votes") cannot be drawn inside the
right-to-left run by the bidirectional algorithm.

Renderers that turn bare URLs into links (GitHub's autolink extension) still may:
such a link shows its own target and only for http(s), www and e-mail addresses.
"""

from __future__ import annotations

import re
import unicodedata

from .model import clean_text

# Characters with an inline meaning anywhere in a line: code spans, emphasis,
# strikethrough, links and images, raw HTML and autolinks, tables, math, headings.
_INLINE = re.compile(r"([\\`*_\[\]<>|~$#])")
# An entity or character reference (&amp; &#60;) would print another character.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Characters that start a block when they begin a line (after the inline pass:
# "#", ">", "*", "`" and "~" are already escaped there).
_LINE_START = re.compile(r"^([-+=:])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")

_FSI = "\u2068"
_PDI = "\u2069"


class Md(str):
    """Markdown that Sprankel wrote itself; the template prints it unchanged."""

    __slots__ = ()


# Anything at all that one of the patterns above would change (the common case is nothing).
_ANY = re.compile(r"[\\`*_\[\]<>|~$#&]|^[-+=:]|^\d{1,9}[.)]")


def _escape_line(line: str) -> str:
    if line.isascii() and not _ANY.search(line):
        return line
    line = _INLINE.sub(r"\\\1", line)
    line = _ENTITY.sub(r"\\&", line)
    line = _LINE_START.sub(r"\\\1", line)
    line = _ORDERED.sub(r"\1\\\2", line)
    if _has_rtl(line):
        line = _FSI + line + _PDI
    return line


def _has_rtl(text: str) -> bool:
    # Fast path: every strong right-to-left character is above U+058F.
    if text.isascii():
        return False
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _lines(text: str) -> list[str]:
    # clean_text again: the renderers must be safe even for a model built carelessly.
    return [line.strip() for line in clean_text(text).splitlines() if line.strip()]


def inline(text: str) -> Md:
    """User text on one line, e.g. in a heading: line breaks become spaces."""
    if isinstance(text, Md):
        return text
    return Md(" ".join(_escape_line(line) for line in _lines(text)))


def block(text: str, indent: int) -> Md:
    """User text that may span lines inside a list item whose content starts at `indent`.

    Each line break becomes a hard break ("\\" at the end of the line) and the next
    line is indented to the item's content, so the text stays one paragraph of one item.
    """
    if isinstance(text, Md):
        return text
    separator = "\\\n" + " " * indent
    return Md(separator.join(_escape_line(line) for line in _lines(text)))
