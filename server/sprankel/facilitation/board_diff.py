"""Bring a live board back to what a stored version held, as ordinary server edits.

A restore is never a rewind: the live document is changed, inside one server
transaction (RoomManager.apply_server_change), until its content equals the
version's, so the change is one Yjs update that every open client applies like any
other, and an offline client's edits merge with it on reconnect.

- The maps of maps (ideas, clusters, notes): entries the version lacks are deleted,
  missing ones are added, and an entry both have gets only its differing fields set
  (so a concurrent move of an idea keeps its cluster field apart from its text). Their
  fields are plain values (documents.py); a shared type a client nested inside one
  comes back as its plain JSON.
- The whiteboard (y-excalidraw's Y.Array of Y.Map {pos, el}): Excalidraw keeps the
  element with the higher `version` when two copies meet (reconcileElements), and a
  browser keeps local elements that a remote update does not mention. So a restored
  element is written with a version above the live one, and an element the version did
  not have is not removed but marked `isDeleted` (also with a higher version): that is
  how Excalidraw itself deletes, and every browser follows it.
- Assets (images by file id): set back as they were; extra ones are removed.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from pycrdt import Array, Doc, Map, Text

from ..sync.reading import to_plain
from .documents import ASSETS, CLUSTERS, ELEMENTS, IDEAS, NOTES

# Fields Excalidraw changes on every write: not a difference in content.
_ELEMENT_BOOKKEEPING = ("version", "versionNonce", "updated")


def restore_board(live: Doc[Any], version: Doc[Any], now_ms: int) -> None:
    """Change `live` until its content equals `version`'s (call inside a transaction)."""
    for name in (IDEAS, CLUSTERS, NOTES):
        _restore_map_of_maps(live.get(name, type=Map), version.get(name, type=Map))
    _restore_plain_map(live.get(ASSETS, type=Map), version.get(ASSETS, type=Map))
    _restore_elements(live.get(ELEMENTS, type=Array), version.get(ELEMENTS, type=Array), now_ms)


def _plain_entries(root: Map[Any]) -> dict[str, Any]:
    """A root map's content as plain JSON, read at once through Yrs's JSON text (entry by
    entry is several times slower on a big board); the guard keeps nesting far below what
    the parser takes, and the explicit-stack reader is the fallback."""
    try:
        data = json.loads(str(root))
    except (ValueError, RecursionError):
        data = to_plain(root)
    return data if isinstance(data, dict) else {}


def _restore_map_of_maps(live: Map[Any], target: Map[Any]) -> None:
    wanted = _plain_entries(target)
    shared = {k for k, v in target.items() if isinstance(v, Map)}  # entries that are Y.Maps
    current = _plain_entries(live)
    for key in [k for k in tuple(live.keys()) if k not in wanted]:
        del live[key]
    for key, value in wanted.items():
        entry = live.get(key)
        is_map = isinstance(entry, Map)
        if current.get(key) == value and is_map == (key in shared):
            continue
        if isinstance(entry, Map) and key in shared and isinstance(value, dict):
            old = current.get(key)
            old = old if isinstance(old, dict) else {}
            for field in [f for f in tuple(entry.keys()) if f not in value]:
                del entry[field]
            for field, v in value.items():
                if field not in old or old[field] != v:
                    entry[field] = v
        else:
            live[key] = Map(value) if key in shared and isinstance(value, dict) else value


def _restore_plain_map(live: Map[Any], target: Map[Any]) -> None:
    wanted = dict(target.items())
    for key in [k for k in tuple(live.keys()) if k not in wanted]:
        del live[key]
    for key, value in wanted.items():
        current = live.get(key)
        if type(current) is not type(value) or to_plain(current) != to_plain(value):
            live[key] = copy_value(value)


def copy_value(value: Any) -> Any:
    """A new value for the live document equal to one read from another document:
    shared types become new shared types of the same kind, plain values stay plain."""
    if isinstance(value, Map):
        return Map({k: copy_value(v) for k, v in value.items()})
    if isinstance(value, Array):
        return Array([copy_value(v) for v in value])
    if isinstance(value, Text):
        return Text(str(value))
    return to_plain(value)


def _elements_by_id(array: Array[Any]) -> dict[str, tuple[Map[Any], dict[str, Any]]]:
    """Each element id's item, the newest copy when two peers created the same id."""
    out: dict[str, tuple[Map[Any], dict[str, Any]]] = {}
    for item in array:
        if not isinstance(item, Map):
            continue
        el = to_plain(item.get("el"))
        if not isinstance(el, dict) or not isinstance(el.get("id"), str):
            continue
        known = out.get(el["id"])
        if known is None or _version(el) > _version(known[1]):
            out[el["id"]] = (item, el)
    return out


def _version(el: dict[str, Any]) -> float:
    value = el.get("version")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _content(el: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in el.items() if k not in _ELEMENT_BOOKKEEPING}


def _newer(el: dict[str, Any], above: float, now_ms: int) -> dict[str, Any]:
    # Floats: Yjs encodes every number alike, and the browser reads them as numbers.
    return {**el, "version": float(int(above) + 1), "updated": float(now_ms),
            "versionNonce": float(secrets.randbelow(2**31))}


def _restore_elements(live: Array[Any], target: Array[Any], now_ms: int) -> None:
    current = _elements_by_id(live)
    wanted = _elements_by_id(target)
    for el_id, (item, el) in wanted.items():
        pos = to_plain(item.get("pos"))
        known = current.get(el_id)
        if known is None:
            live.append(Map({"pos": pos, "el": _newer(el, _version(el), now_ms)}))
            continue
        live_item, live_el = known
        if _content(live_el) == _content(el):
            continue
        live_item["el"] = _newer(el, max(_version(el), _version(live_el)), now_ms)
        if to_plain(live_item.get("pos")) != pos:
            live_item["pos"] = pos
    for el_id, (live_item, live_el) in current.items():
        if el_id not in wanted and not live_el.get("isDeleted"):
            live_item["el"] = _newer({**live_el, "isDeleted": True}, _version(live_el), now_ms)


def element_count(doc: Doc[Any]) -> int:
    """The whiteboard's elements that are not deleted."""
    return sum(1 for _, el in _elements_by_id(doc.get(ELEMENTS, type=Array)).values()
               if not el.get("isDeleted"))


def live_elements(doc: Doc[Any]) -> list[dict[str, Any]]:
    """The whiteboard's elements that are not deleted, as plain JSON, in array order."""
    return [el for _, el in _elements_by_id(doc.get(ELEMENTS, type=Array)).values()
            if not el.get("isDeleted")]
