"""How deep each item of a document sits in nested shared types, kept compactly per room.

An item names its parent (a root type, or the parent type's item ID) only when it has
no origin; otherwise its parent is its origin's (or right origin's). So the depth of a
new item follows from the items it refers to, which may be in earlier updates: every
room keeps, per client id, sorted non-overlapping clock ranges with the depth of their
parent (a root's children are at depth 1), adjacent ranges of equal depth merged. A
board of a few thousand ideas needs a few thousand ranges.

Within one update the items are resolved in dependency order (each one as soon as what
it refers to is known). An item whose dependency is missing is kept pending, as Yrs keeps
it, and resolved by the update that brings the dependency: that update is refused if it
would complete a chain of nested types deeper than the limit.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from .guard import GuardError, Item, ParsedUpdate

_MAX_DEPTH = 0xFFFF  # what an "H" array holds; anything that deep is refused anyway
DEAD = 0  # garbage-collected: whatever hangs below it is never integrated
_MAX_PENDING = 100_000  # unresolved items kept across updates; the oldest go first


@dataclass(slots=True)
class _Ranges:
    # Clocks are u32 in Yrs (the guard refuses larger ones); depths past 65535 are clamped.
    starts: array[int] = field(default_factory=lambda: array("I"))
    ends: array[int] = field(default_factory=lambda: array("I"))
    depths: array[int] = field(default_factory=lambda: array("H"))


class DepthTable:
    """Per client: clock ranges -> the depth of their items' parent."""

    def __init__(self) -> None:
        self._clients: dict[int, _Ranges] = {}

    def lookup(self, client: int, clock: int) -> int | None:
        ranges = self._clients.get(client)
        if ranges is None or not ranges.starts:
            return None
        if ranges.starts[-1] <= clock:  # most items refer to recent ones
            return int(ranges.depths[-1]) if clock < ranges.ends[-1] else None
        i = bisect_right(ranges.starts, clock) - 1
        if i >= 0 and clock < ranges.ends[i]:
            return int(ranges.depths[i])
        return None

    def add(self, client: int, start: int, end: int, depth: int) -> None:
        """Record [start, end) at depth; parts already known keep their depth (IDs are unique)."""
        depth = min(depth, _MAX_DEPTH)
        ranges = self._clients.get(client)
        if ranges is None:
            ranges = self._clients[client] = _Ranges()
        if not ranges.starts or start >= ranges.ends[-1]:  # the usual case: appending
            if ranges.starts and start == ranges.ends[-1] and ranges.depths[-1] == depth:
                ranges.ends[-1] = end
            else:
                ranges.starts.append(start)
                ranges.ends.append(end)
                ranges.depths.append(depth)
            return
        while start < end:
            j = bisect_right(ranges.starts, start) - 1
            if j >= 0 and ranges.ends[j] > start:  # already known from here on
                start = int(ranges.ends[j])
                continue
            following = j + 1
            gap_end = end
            if following < len(ranges.starts):
                gap_end = min(end, int(ranges.starts[following]))
            self._insert(ranges, following, start, gap_end, depth)
            start = gap_end

    def _insert(self, ranges: _Ranges, i: int, start: int, end: int, depth: int) -> None:
        merge_left = i > 0 and ranges.ends[i - 1] == start and ranges.depths[i - 1] == depth
        merge_right = (i < len(ranges.starts) and ranges.starts[i] == end
                       and ranges.depths[i] == depth)
        if merge_left and merge_right:
            ranges.ends[i - 1] = ranges.ends[i]
            del ranges.starts[i], ranges.ends[i], ranges.depths[i]
        elif merge_left:
            ranges.ends[i - 1] = end
        elif merge_right:
            ranges.starts[i] = start
        else:
            ranges.starts.insert(i, start)
            ranges.ends.insert(i, end)
            ranges.depths.insert(i, depth)

    def items(self) -> list[tuple[int, int, int, int]]:
        return [(client, int(s), int(e), int(d))
                for client, r in self._clients.items()
                for s, e, d in zip(r.starts, r.ends, r.depths, strict=True)]

    @property
    def ranges(self) -> int:
        return sum(len(r.starts) for r in self._clients.values())

    def deepest(self) -> int:
        return max((max(r.depths) for r in self._clients.values() if r.depths), default=0)

    def nbytes(self) -> int:
        """Memory held by the ranges (the arrays' buffers), for measuring."""
        return sum(a.buffer_info()[1] * a.itemsize
                   for r in self._clients.values() for a in (r.starts, r.ends, r.depths))


# Items waiting for a dependency, per client of the dependency: sorted (its clock, seq, item).
Waiting = dict[int, list[tuple[int, int, Item]]]


@dataclass(slots=True)
class Plan:
    """The outcome of checking one update, applied with TypeDepths.commit once Yrs took it."""

    resolved: DepthTable
    parents: DepthTable  # this update's items that may be parents (types, deleted content)
    waiting: Waiting  # this update's items still waiting
    released: set[int]  # seqs of earlier waiting items this update resolves


class TypeDepths:
    def __init__(self, max_type_depth: int, max_pending: int = _MAX_PENDING) -> None:
        self.max_type_depth = max_type_depth
        self.max_pending = max_pending
        self.table = DepthTable()
        self.parents = DepthTable()  # items that may be parents: shared types, deleted content
        self.waiting: Waiting = {}
        self.pending = 0
        self.deepest = 0  # the deepest parent depth seen
        self._seq = 0

    def plan(self, parsed: ParsedUpdate, strict: bool = True) -> Plan:
        """Resolve the update's items; with strict, GuardError if a type nests too deep."""
        plan = Plan(DepthTable(), DepthTable(), {}, set())
        for client, clock, length in parsed.gcs:
            plan.resolved.add(client, clock, clock + length, DEAD)
            # Whatever waited for an item that is gone now is gone too (as in Yrs).
            for entry in self._release(plan, client, clock, length):
                plan.resolved.add(entry.client, entry.clock, entry.clock + entry.length, DEAD)
        added = 0
        for first in parsed.items:
            stack = [first]
            while stack:
                item = stack.pop()
                depth = self._depth(item, plan.resolved)
                if depth is None:
                    assert item.ref is not None
                    self._seq += 1
                    _insort(plan.waiting.setdefault(item.ref[0], []),
                            (item.ref[1], self._seq, item))
                    added += 1
                    continue
                if strict and item.is_type and depth != DEAD and depth + 1 > self.max_type_depth:
                    raise GuardError(
                        f"shared types nested {depth + 1} deep (at most {self.max_type_depth})"
                    )
                if strict and item.via_parent and depth != DEAD:
                    self._check_parent(item, plan)
                plan.resolved.add(item.client, item.clock, item.clock + item.length, depth)
                if item.can_parent:
                    plan.parents.add(item.client, item.clock, item.clock + item.length, 1)
                stack.extend(self._release(plan, item.client, item.clock, item.length))
        if strict and added and self.pending + added - len(plan.released) > self.max_pending:
            raise GuardError("too many items waiting for missing dependencies")
        return plan

    @property
    def shallow(self) -> bool:
        """No shared type nests deeper than the limit (an old document's content may)."""
        return self.deepest <= self.max_type_depth

    def commit(self, plan: Plan) -> None:
        for client, start, end, depth in plan.resolved.items():
            self.table.add(client, start, end, depth)
            self.deepest = max(self.deepest, depth)
        for client, start, end, _ in plan.parents.items():
            self.parents.add(client, start, end, 1)
        if plan.released:
            for client in list(self.waiting):
                kept = [e for e in self.waiting[client] if e[1] not in plan.released]
                if kept:
                    self.waiting[client] = kept
                else:
                    del self.waiting[client]
        for client, entries in plan.waiting.items():
            queue = self.waiting.setdefault(client, [])
            for entry in entries:
                _insort(queue, entry)
        self.pending = sum(len(q) for q in self.waiting.values())

    def learn(self, parsed: ParsedUpdate) -> None:
        """Record an update already applied (stored state, the server's own): nothing refused."""
        self.commit(self.plan(parsed, strict=False))

    def _depth(self, item: Item, resolved: DepthTable) -> int | None:
        """The depth of the item's parent, or None while its dependency is unknown."""
        if item.ref is None:
            return 1
        client, clock = item.ref
        depth = resolved.lookup(client, clock)
        if depth is None:
            depth = self.table.lookup(client, clock)
        if depth is None or depth == DEAD:
            return depth
        return depth + 1 if item.via_parent else depth

    def _check_parent(self, item: Item, plan: Plan) -> None:
        # Yrs refuses an item whose parent is, say, a string only after it integrated the
        # structs before it: refused here, nothing of the update is applied.
        assert item.ref is not None
        client, clock = item.ref
        known = plan.parents.lookup(client, clock) or self.parents.lookup(client, clock)
        if known is None:
            raise GuardError("an item's parent is not a shared type")

    def _release(self, plan: Plan, client: int, clock: int, length: int) -> list[Item]:
        """The items (this update's or earlier ones) waiting for an ID in [clock, clock+length)."""
        if not plan.waiting and not self.waiting:
            return []
        released = []
        queue = plan.waiting.get(client)
        if queue:
            lo = bisect_left(queue, (clock,))
            hi = bisect_left(queue, (clock + length,))
            released = [item for _, _, item in queue[lo:hi]]
            del queue[lo:hi]
        for _, seq, item in _slice(self.waiting.get(client), clock, length):
            if seq not in plan.released:
                plan.released.add(seq)
                released.append(item)
        return released


def _slice(queue: list[tuple[int, int, Item]] | None, clock: int, length: int,
           ) -> list[tuple[int, int, Item]]:
    if not queue:
        return []
    return queue[bisect_left(queue, (clock,)):bisect_left(queue, (clock + length,))]


def _insort(queue: list[tuple[int, int, Item]], entry: tuple[int, int, Item]) -> None:
    queue.insert(bisect_left(queue, entry[:2]), entry)
