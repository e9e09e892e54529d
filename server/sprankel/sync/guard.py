"""A strict, iterative reader of Yjs updates (format v1) that checks limits before Yrs sees them.

Yrs decodes nested values and converts them to Python by recursion without a depth
limit: one update holding an array nested 40,000 deep overflows the native stack and
kills the process, and nothing in Python can catch that. So every update a client sends
is read here first, without recursion anywhere, and refused with a GuardError when it
nests values too deep, holds too many structs, or is not well-formed.

The format (yjs src/utils/encoding.js readClientsStructRefs, lib0 decoding.readAny):

    update   = varUint(#clients) x (varUint(#structs) client clock struct*) deleteSet
    struct   = info:uint8, then by info & 0x1F: 0 GC len | 10 Skip len | 1..9 an item:
               [origin ID if info&0x80] [right origin ID if info&0x40]
               [if neither: varUint(1) rootName | varUint(0) parentID; parentSub if info&0x20]
               content (1 Deleted len, 2 JSON lenxstring, 3 Binary bytes, 4 String,
               5 Embed json, 6 Format key json, 7 Type ref [name], 8 Any lenxany,
               9 Doc guid any)
    deleteSet = varUint(#clients) x (client varUint(#ranges) x (clock len))

Stored state written by an older version may hold over-deep values; ``repair=True``
replaces each such value by ``null`` of the same item length, so every ID stays valid.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

# Item content refs (yjs Item.js contentRefs) and the two structs that are not items.
_GC, _DELETED, _JSON, _BINARY, _STRING, _EMBED, _FORMAT, _TYPE, _ANY, _DOC, _SKIP = range(11)
# Shared type refs (yjs ContentType.js); XmlElement and XmlHook carry a name.
_TYPE_REFS = range(7)
_NAMED_TYPES = (3, 5)

_ORIGIN, _RIGHT_ORIGIN, _PARENT_SUB = 0x80, 0x40, 0x20

# lib0 readAny tags.
(_ANY_BYTES, _ANY_ARRAY, _ANY_OBJECT, _ANY_STRING, _ANY_TRUE, _ANY_FALSE, _ANY_BIGINT, _ANY_F64,
 _ANY_F32, _ANY_INT, _ANY_NULL, _ANY_UNDEFINED) = range(116, 128)
_ANY_FIXED = {_ANY_UNDEFINED: 0, _ANY_NULL: 0, _ANY_FALSE: 0, _ANY_TRUE: 0,
              _ANY_F32: 4, _ANY_F64: 8, _ANY_BIGINT: 8}

_ANY_SCALAR = frozenset([*_ANY_FIXED, _ANY_INT, _ANY_STRING, _ANY_BYTES])

_MAX_VAR_UINT_BYTES = 8  # 2**53, JavaScript's largest integer, fits in 8 groups of 7 bits
_MAX_CLOCK = 2**32 - 1  # Yrs keeps clocks as u32
_MAX_ID = 2**53

NULL_ANY = bytes([_ANY_NULL])
NULL_JSON = b"\x04null"  # varString("null")
EMPTY_OPTIONS = bytes([_ANY_OBJECT, 0])  # a subdocument's options: {}

_VAR_UINT = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


class GuardError(ValueError):
    """An update refused before it reached Yrs; the reason says why, for the close frame."""


@dataclass(frozen=True, slots=True)
class UpdateLimits:
    """What a client's update may hold; far above any real board (see config.py)."""

    max_value_depth: int = 32
    max_type_depth: int = 16
    max_update_structs: int = 200_000
    max_document_size: int = 32 * 1024 * 1024


# An item's dependency for the depth of its parent: ("root", name) for a root type,
# ("parent", (client, clock)) for a nested type's item, or ("sibling", (client, clock))
# for an item whose parent is that of its origin or right origin.
Ref = tuple[str, object]


class Item(NamedTuple):  # a tuple: made for every struct, so it must be cheap
    client: int
    clock: int
    length: int
    is_type: bool  # content is a shared type: its children are one level deeper
    can_parent: bool  # a shared type or deleted content: Yrs accepts it as a parent
    ref: tuple[int, int] | None  # the ID the parent depth is found through, or None for a root
    via_parent: bool  # ref is the parent item itself (not a sibling)


@dataclass(slots=True)
class ParsedUpdate:
    items: list[Item] = field(default_factory=list)
    gcs: list[tuple[int, int, int]] = field(default_factory=list)  # client, clock, length
    deletes: int = 0  # delete-set ranges
    # (start, end, replacement) byte spans of over-deep values, filled with repair=True.
    repairs: list[tuple[int, int, bytes]] = field(default_factory=list)

    @property
    def adds_content(self) -> bool:
        """False for a delete-set-only update (it frees space, never takes any)."""
        return bool(self.items or self.gcs)


def parse_update(data: bytes, limits: UpdateLimits, repair: bool = False) -> ParsedUpdate:
    """Read a whole v1 update; raise GuardError unless it is well-formed and within limits."""
    reader = _Reader(data, limits, repair)
    try:
        reader.read_update()
    except IndexError as error:
        raise GuardError("update ends too early") from error
    return reader.parsed


def repaired(data: bytes, parsed: ParsedUpdate) -> bytes:
    """The update with each over-deep value replaced by null (same item lengths)."""
    out = []
    pos = 0
    for start, end, replacement in parsed.repairs:
        out.append(data[pos:start])
        out.append(replacement)
        pos = end
    out.append(data[pos:])
    return b"".join(out)


class _Reader:
    def __init__(self, data: bytes, limits: UpdateLimits, repair: bool) -> None:
        self.data = data
        self.pos = 0
        self.limits = limits
        self.repair = repair
        self.parsed = ParsedUpdate()
        self.structs = 0
        self.numbers: dict[bytes, int] = {}
        self.items = self.parsed.items

    # Numbers and strings

    def uint(self) -> int:
        byte = self.data[self.pos]
        if byte < 0x80:  # most numbers are lengths and small clocks: one byte
            self.pos += 1
            return byte
        return self.long_uint()

    def long_uint(self) -> int:
        match = _VAR_UINT.match(self.data, self.pos)
        if match is None:
            raise GuardError("update ends too early")
        raw = match.group()
        if len(raw) > _MAX_VAR_UINT_BYTES:
            raise GuardError("number too long")
        self.pos = match.end()
        value = self.numbers.get(raw)  # client ids repeat: decode each once
        if value is None:
            value = 0
            for shift, byte in enumerate(raw):
                value |= (byte & 0x7F) << (7 * shift)
            self.numbers[raw] = value
        return value

    def skip_int(self) -> None:
        # lib0 varInt: the first byte holds a sign bit and 6 bits, then groups of 7.
        for _ in range(_MAX_VAR_UINT_BYTES):
            byte = self.data[self.pos]
            self.pos += 1
            if byte < 0x80:
                return
        raise GuardError("number too long")

    def take(self, length: int) -> bytes:
        end = self.pos + length
        if end > len(self.data):
            raise GuardError("update ends too early")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def string(self) -> bytes:
        raw = self.take(self.uint())
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise GuardError("text is not UTF-8") from error
        return raw

    def count(self, what: str) -> int:
        n = self.uint()
        if n > self.limits.max_update_structs:
            raise GuardError(f"too many {what} ({n}, at most {self.limits.max_update_structs})")
        return n

    def struct_budget(self, n: int = 1) -> None:
        self.structs += n
        if self.structs > self.limits.max_update_structs:
            raise GuardError(
                f"too many structs in one update (at most {self.limits.max_update_structs})"
            )

    # The update

    def read_update(self) -> None:
        for _ in range(self.count("clients")):
            structs = self.count("structs")
            self.struct_budget(structs)
            client = self.uint()
            clock = self.uint()
            if client >= _MAX_ID:
                raise GuardError("client id out of range")
            for _ in range(structs):
                clock = self.read_struct(client, clock)
        self.read_delete_set()
        if self.pos != len(self.data):
            raise GuardError("trailing bytes after the update")

    def read_struct(self, client: int, clock: int) -> int:
        # The hot path of every load: plain reads inlined where they are one byte.
        data = self.data
        info = data[self.pos]
        self.pos += 1
        ref = info & 0x1F
        if ref in (_GC, _SKIP):
            length = self.uint()
            end = self.check_range(clock, length)
            if ref == _GC:
                self.parsed.gcs.append((client, clock, length))
            return end
        if ref > _DOC:
            raise GuardError(f"unknown struct kind {ref}")
        origin = self.id() if info & _ORIGIN else None
        right = self.id() if info & _RIGHT_ORIGIN else None
        dependency = origin or right
        via_parent = False
        if dependency is None:
            has_name = data[self.pos]
            self.pos += 1
            if has_name == 1:
                self.string()  # a root type's name: its children are at depth 1
            elif has_name != 0:
                raise GuardError("unknown parent kind")
            else:
                dependency = self.id()
                via_parent = True
            if info & _PARENT_SUB:
                self.string()
        is_type = ref == _TYPE
        if ref == _ANY and data[self.pos] == 1 and data[self.pos + 1] in _ANY_SCALAR:
            self.pos += 1  # one plain value, as nearly every map entry holds
            self.any_scalar()
            length = 1
        else:
            length = self.read_content(ref)
        end = clock + length
        if length == 0 or end > _MAX_CLOCK:
            self.check_range(clock, length)
        self.items.append(Item(client, clock, length, is_type, is_type or ref == _DELETED,
                               dependency, via_parent))
        return end

    def id(self) -> tuple[int, int]:
        client = self.uint()
        clock = self.uint()
        if client >= _MAX_ID or clock > _MAX_CLOCK:
            raise GuardError("id out of range")
        return client, clock

    def check_range(self, clock: int, length: int) -> int:
        if length == 0:
            raise GuardError("empty struct")
        end = clock + length
        if end > _MAX_CLOCK:
            raise GuardError("clock out of range")
        return end

    def read_content(self, ref: int) -> int:
        """Read an item's content; returns its length (how many clock ticks it takes)."""
        if ref == _DELETED:
            return self.uint()
        if ref == _JSON:
            length = self.count("JSON values")
            for _ in range(length):
                self.json_value(NULL_JSON)
            return length
        if ref == _BINARY:
            self.take(self.uint())
            return 1
        if ref == _STRING:
            text = self.string().decode("utf-8")
            return len(text.encode("utf-16-le")) // 2  # Yjs counts UTF-16 code units
        if ref == _EMBED:
            self.json_value(NULL_JSON)
            return 1
        if ref == _FORMAT:
            self.string()
            self.json_value(NULL_JSON)
            return 1
        if ref == _TYPE:
            type_ref = self.uint()
            if type_ref not in _TYPE_REFS:
                raise GuardError(f"unknown shared type {type_ref}")
            if type_ref in _NAMED_TYPES:
                self.string()
            return 1
        if ref == _ANY:
            length = self.count("values")
            for _ in range(length):
                self.any_value(NULL_ANY)
            return length
        self.string()  # _DOC: a subdocument's guid, then its options
        self.any_value(EMPTY_OPTIONS)
        return 1

    def read_delete_set(self) -> None:
        for _ in range(self.count("delete-set clients")):
            client = self.uint()
            ranges = self.count("delete ranges")
            self.struct_budget(ranges)
            if client >= _MAX_ID:
                raise GuardError("client id out of range")
            for _ in range(ranges):
                clock = self.uint()
                self.check_range(clock, self.uint())
            self.parsed.deletes += ranges

    # Values

    def too_deep(self, start: int, depth: int, replacement: bytes) -> None:
        if depth <= self.limits.max_value_depth:
            return
        if not self.repair:
            raise GuardError(
                f"value nested {depth} deep (at most {self.limits.max_value_depth})"
            )
        self.parsed.repairs.append((start, self.pos, replacement))

    def json_value(self, replacement: bytes) -> None:
        start = self.pos
        text = self.string()
        self.too_deep(start, json_depth(text), replacement)

    def any_scalar(self) -> None:
        tag = self.data[self.pos]
        self.pos += 1
        if tag == _ANY_STRING:
            self.string()
        elif tag in _ANY_FIXED:
            self.take(_ANY_FIXED[tag])
        elif tag == _ANY_INT:
            self.skip_int()
        else:
            self.take(self.uint())  # _ANY_BYTES

    def any_value(self, replacement: bytes) -> None:
        """Skip one lib0 Any value, iteratively; too deep is refused (or repaired)."""
        start = self.pos
        data = self.data
        deepest = 0
        # Open containers, each [entries left, is an object]; an object's entry starts with a key.
        stack: list[list[int]] = []
        while True:
            if stack and stack[-1][1]:
                self.string()
            tag = data[self.pos]
            self.pos += 1
            if tag in _ANY_FIXED:
                self.take(_ANY_FIXED[tag])
            elif tag == _ANY_INT:
                self.skip_int()
            elif tag in (_ANY_STRING, _ANY_BYTES):
                self.take(self.uint())
            elif tag in (_ANY_ARRAY, _ANY_OBJECT):
                entries = self.uint()
                deepest = max(deepest, len(stack) + 1)
                if not self.repair and deepest > self.limits.max_value_depth:
                    break  # refused below, without reading the rest
                if entries > len(data) - self.pos:
                    raise GuardError("value longer than the update")
                if entries:
                    stack.append([entries, tag == _ANY_OBJECT])
                    continue
            else:
                raise GuardError(f"unknown value tag {tag}")
            # A value is complete: count it off, closing every container it completes.
            while stack:
                stack[-1][0] -= 1
                if stack[-1][0] > 0:
                    break
                stack.pop()
            if not stack:
                break
        self.too_deep(start, deepest, replacement)


def json_depth(text: bytes) -> int:
    """How deep a JSON text nests arrays and objects, counted without recursion."""
    if b"[" not in text and b"{" not in text:
        return 0
    brackets = _JSON_BRACKET.findall(_JSON_STRING.sub(b"", text))
    steps = (1 if b in (b"[", b"{") else -1 for b in brackets)
    return max(itertools.accumulate(steps, initial=0))
