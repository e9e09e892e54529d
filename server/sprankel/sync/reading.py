"""Reading document content into plain Python values without recursion.

pycrdt's ``to_py()`` recurses in Python (a map nested 2,000 deep raises RecursionError)
and ``str()`` of a shared type recurses in Yrs (20,000 deep kills the process). Updates
are checked on the way in (guard.py), but a document stored by an older version may
still nest types that deep. Every read of content goes through here: an explicit stack,
and anything nested deeper than the limit comes back as None.
"""

from __future__ import annotations

import json
from typing import Any

from pycrdt import Array, Map, Text, XmlElement, XmlFragment, XmlText

# Far deeper than any layout Sprankel reads (a board value is 3 or 4 levels down), and
# within what the fast path below may give to json.loads.
MAX_READ_DEPTH = 64

_Target = dict[Any, Any] | list[Any]


def to_plain(value: Any, max_depth: int = MAX_READ_DEPTH) -> Any:
    """A plain copy of a shared type or value: dicts, lists, strings, numbers, None.

    Maps and arrays (shared or plain) deeper than max_depth become None; text types
    become their string; XML elements and fragments (which Sprankel never writes) None.
    """
    holder: list[Any] = [None]
    stack: list[tuple[Any, _Target, Any, int]] = [(value, holder, 0, 1)]
    while stack:
        source, target, key, depth = stack.pop()
        if isinstance(source, Map | dict):
            if depth > max_depth:
                continue  # stays None
            entries = dict(source)
            copy: dict[Any, Any] = {}
            target[key] = copy
            for k, v in entries.items():
                copy[k] = _leaf(v, copy, k, depth, stack)
        elif isinstance(source, Array | list | tuple):
            if depth > max_depth:
                continue
            items = list(source)
            copy_list: list[Any] = [None] * len(items)
            target[key] = copy_list
            for i, v in enumerate(items):
                copy_list[i] = _leaf(v, copy_list, i, depth, stack)
        elif isinstance(source, Text | XmlText):
            target[key] = str(source)
        elif isinstance(source, XmlElement | XmlFragment):
            target[key] = None
        else:
            target[key] = source
    return holder[0]


def _leaf(value: Any, target: _Target, key: Any, depth: int,
          stack: list[tuple[Any, _Target, Any, int]]) -> Any:
    """value itself when it holds nothing; otherwise None now, filled in from the stack."""
    if isinstance(value, Map | dict | Array | list | tuple | Text | XmlText | XmlElement
                  | XmlFragment):
        stack.append((value, target, key, depth + 1))
        return None
    return value


def to_plain_fast(shared: Map[Any] | Array[Any], shallow: bool) -> Any:
    """Like to_plain, through Yrs's JSON text when the document is known to be shallow.

    Parsing the JSON text is several times faster than converting entry by entry (about
    60 ms instead of 200 ms for 5,000 ideas) and gives the same values, but it recurses:
    only for documents whose room saw no type nested deeper than the guard allows.
    """
    if shallow:
        try:
            return json.loads(str(shared))
        except (ValueError, RecursionError):
            pass
    return to_plain(shared)
