"""The update guard: real boards pass, crafted attacks are refused, nothing else escapes it.

Only the guard (pure Python) reads the deep attack bytes here; pycrdt would crash the
test process on them, so it sees only what the guard accepted.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, get_state

from sprankel.sync.guard import GuardError, UpdateLimits, parse_update, repaired
from sprankel.sync.reading import to_plain
from sprankel.sync.type_depths import DepthTable, TypeDepths
from update_bytes import (
    many_structs,
    map_chain,
    map_chain_by_origin,
    mutated,
    nested_any_array,
    nested_json,
)

LIMITS = UpdateLimits()


def board_updates() -> list[bytes]:
    """Updates as Sprankel's clients write them: ideas, clusters, a whiteboard, text, deletes."""
    doc: Doc[Any] = Doc()
    out = []
    ideas = doc.get("ideas", type=Map)
    elements = doc.get("elements", type=Array)
    notes = doc.get("notes", type=Text)
    for i in range(30):
        before = doc.get_state()
        ideas[f"idea{i}"] = Map({"id": f"idea{i}", "text": "Zoë 😀 idee " * 3, "votes": i,
                                 "cluster_id": None, "tags": ["a", {"b": [1, 2.5, True]}]})
        elements.append(Map({"pos": f"a{i}", "el": {"type": "freedraw", "points": [[1, 2]] * 5,
                                                     "boundElements": [{"id": "x"}]}}))
        notes.insert(0, f"regel {i} ✓\n")
        out.append(doc.get_update(before))
    before = doc.get_state()
    del ideas["idea3"]
    ideas["idea4"]["text"] = "changed"
    notes.format(0, 5, {"bold": True})
    out.append(doc.get_update(before))
    out.append(doc.get_update())
    return out


def end_clocks(update: bytes) -> dict[int, int]:
    parsed = parse_update(update, LIMITS)
    ends: dict[int, int] = {}
    for client, clock, length in [(i.client, i.clock, i.length) for i in parsed.items]:
        ends[client] = max(ends.get(client, 0), clock + length)
    for client, clock, length in parsed.gcs:
        ends[client] = max(ends.get(client, 0), clock + length)
    return ends


def state_vector(update: bytes) -> dict[int, int]:
    data = get_state(update)
    pos, out = 0, {}

    def uint() -> int:
        nonlocal pos
        value, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    for _ in range(uint()):
        client = uint()
        out[client] = uint()
    return out


# Real documents


def test_real_board_updates_are_accepted_and_read_exactly() -> None:
    depths = TypeDepths(LIMITS.max_type_depth)
    updates = board_updates()
    for update in updates:
        depths.commit(depths.plan(parse_update(update, LIMITS)))
    # Every struct was read to its real length: the clocks match what Yrs reports.
    assert end_clocks(updates[-1]) == state_vector(updates[-1])
    assert depths.pending == 0
    assert depths.shallow


def test_a_whole_board_snapshot_is_accepted() -> None:
    doc: Doc[Any] = Doc()
    ideas = doc.get("ideas", type=Map)
    with doc.transaction():
        for i in range(2000):
            ideas[f"i{i}"] = Map({"text": f"idea {i}", "author": "Zoë", "at": 1.5 * i})
    parsed = parse_update(doc.get_update(), LIMITS)
    TypeDepths(LIMITS.max_type_depth).plan(parsed)
    assert len(parsed.items) > 2000


def test_delete_only_update_adds_no_content() -> None:
    doc: Doc[Any] = Doc()
    ideas = doc.get("ideas", type=Map)
    ideas["a"] = "x"
    before = doc.get_state()
    del ideas["a"]
    parsed = parse_update(doc.get_update(before), LIMITS)
    assert not parsed.adds_content
    assert parsed.deletes == 1


# Attacks


@pytest.mark.parametrize("depth", [40_000, 15_000, 33])
def test_deeply_nested_any_array_is_refused(depth: int) -> None:
    with pytest.raises(GuardError, match=f"value nested {33 if depth == 33 else ''}"):
        parse_update(nested_any_array(depth), LIMITS)


def test_any_array_at_the_limit_is_accepted_and_applies() -> None:
    update = nested_any_array(LIMITS.max_value_depth)
    parse_update(update, LIMITS)
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    assert to_plain(doc.get("ideas", type=Map))["x"] is not None


def test_deep_json_content_is_refused() -> None:
    with pytest.raises(GuardError, match="value nested 500 deep"):
        parse_update(nested_json(500), LIMITS)


def test_json_depth_ignores_brackets_inside_strings() -> None:
    from update_bytes import root_entry, update, var_string

    text = '["' + "[" * 100 + '\\"]"]'
    parse_update(update([root_entry(2, b"\x01" + var_string(text))]), LIMITS)


def test_repair_replaces_the_deep_value_with_null_and_keeps_the_ids() -> None:
    poison = nested_any_array(15_000)
    parsed = parse_update(poison, LIMITS, repair=True)
    assert len(parsed.repairs) == 1
    fixed = repaired(poison, parsed)
    assert len(fixed) < 100
    assert state_vector(fixed) == state_vector(poison) == {7_000_001: 1}
    doc: Doc[Any] = Doc()
    doc.apply_update(fixed)
    assert to_plain(doc.get("ideas", type=Map)) == {"x": None}


def test_nested_maps_naming_their_parent_are_refused_past_the_limit() -> None:
    depths = TypeDepths(LIMITS.max_type_depth)
    chain = map_chain(LIMITS.max_type_depth)  # the root map counts: 1 + 16 maps is 17
    for update in chain[:-1]:
        depths.commit(depths.plan(parse_update(update, LIMITS)))
    with pytest.raises(GuardError, match="shared types nested 17 deep"):
        depths.plan(parse_update(chain[-1], LIMITS))


def test_nested_maps_found_through_their_origin_are_refused() -> None:
    depths = TypeDepths(LIMITS.max_type_depth)
    depths.commit(depths.plan(parse_update(map_chain_by_origin(15), LIMITS)))
    with pytest.raises(GuardError, match="nested 17 deep"):
        depths.plan(parse_update(map_chain_by_origin(16, client=99), LIMITS))


def test_nested_maps_sent_children_first_are_refused_when_the_chain_completes() -> None:
    depths = TypeDepths(LIMITS.max_type_depth)
    chain = map_chain(20)
    for update in reversed(chain[1:]):
        depths.commit(depths.plan(parse_update(update, LIMITS)))  # waiting for the root
    assert depths.pending == 19
    with pytest.raises(GuardError, match="shared types nested"):
        depths.plan(parse_update(chain[0], LIMITS))


def test_nested_maps_made_by_pycrdt_are_refused() -> None:
    doc: Doc[Any] = Doc()
    current = doc.get("ideas", type=Map)
    for _ in range(20):
        child: Map[Any] = Map({})
        current["k"] = child
        current = child
    with pytest.raises(GuardError, match="nested 17 deep"):
        TypeDepths(LIMITS.max_type_depth).plan(parse_update(doc.get_update(), LIMITS))


def test_too_many_structs_are_refused() -> None:
    small = UpdateLimits(max_update_structs=100)
    parse_update(many_structs(100), small)
    with pytest.raises(GuardError, match="too many"):
        parse_update(many_structs(101), small)


def test_a_huge_struct_count_is_refused_before_reading() -> None:
    with pytest.raises(GuardError, match="too many structs"):
        parse_update(b"\x01\xff\xff\xff\xff\x0f\x01\x00", LIMITS)


def test_an_item_whose_parent_is_not_a_shared_type_is_refused() -> None:
    # Yrs would apply the string, then fail on the entry below it, half applied.
    from update_bytes import ATTACKER, root_entry, update, var_string, write_var_uint

    below = (bytes([4 | 0x20]) + write_var_uint(0) + write_var_uint(ATTACKER) + write_var_uint(0)
             + var_string("k") + var_string("x"))
    bad = update([root_entry(4, var_string("hello"), key="a"), below])
    with pytest.raises(GuardError, match="parent is not a shared type"):
        TypeDepths(LIMITS.max_type_depth).plan(parse_update(bad, LIMITS))


@pytest.mark.parametrize("bad", [b"", b"\x01", b"\x00\x00\x00", b"\x01\x01\x01\x00\x1f",
                                 b"\x01\x01\x01\x00\x08", b"\xff" * 20])
def test_malformed_updates_are_refused(bad: bytes) -> None:
    with pytest.raises(GuardError):
        parse_update(bad, LIMITS)


# The depth table


def test_depth_table_merges_ranges_and_never_overwrites() -> None:
    table = DepthTable()
    reference: dict[tuple[int, int], int] = {}
    rng = random.Random(7)
    for _ in range(2000):
        client, start = rng.randint(0, 2), rng.randint(0, 300)
        end, depth = start + rng.randint(1, 30), rng.randint(0, 3)
        table.add(client, start, end, depth)
        for clock in range(start, end):
            reference.setdefault((client, clock), depth)
    for client in range(3):
        for clock in range(340):
            assert table.lookup(client, clock) == reference.get((client, clock))
    ranges = table.items()
    for a, b in itertools.pairwise(ranges):
        if a[0] == b[0]:
            assert a[2] <= b[1]
            assert not (a[2] == b[1] and a[3] == b[3])  # adjacent equal ranges are merged


# Properties: nothing but GuardError escapes, and what passes, pycrdt applies


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = board_updates()


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_raise_nothing_but_guard_error(data: bytes) -> None:
    try:
        parse_update(data, LIMITS)
    except GuardError:
        return
    _apply_or_value_error(data)


@FUZZ
@given(mutated(SEEDS))
def test_mutated_updates_raise_nothing_but_guard_error_and_apply_safely(data: bytes) -> None:
    try:
        parse_update(data, LIMITS)
    except GuardError:
        return
    _apply_or_value_error(data)


def _apply_or_value_error(data: bytes) -> None:
    """Apply to an empty document and to one that has the seeds' state: only ValueError."""
    for base in (b"", SEEDS[-1]):
        doc: Doc[Any] = Doc()
        if base:
            doc.apply_update(base)
        try:
            doc.apply_update(data)
        except (ValueError, RuntimeError):  # refused by Yrs: the room closes with 1007
            continue
        for name in ("ideas", "elements"):
            to_plain(doc.get(name, type=Map if name == "ideas" else Array))
