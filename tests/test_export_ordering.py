"""Orders the export computes fast, pinned against their plain definitions.

The top N of a vote round (ties at the edge all in, ideas without a dot never) is one
pass over the ideas sorted by dots; times sort by integer milliseconds instead of by
their ISO text, in exactly the text's order.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sprankel.export.model import iso, time_key, top_idea_ids


def _by_definition(tallies: dict[str, int], n: int) -> list[str]:
    ranked = sorted((i for i, c in tallies.items() if c > 0), key=lambda i: (-tallies[i], i))
    return [i for i in ranked
            if sum(1 for other in tallies.values() if other > tallies[i]) < n]


def test_ties_at_the_edge_are_all_in() -> None:
    tallies = {"a": 5, "b": 4, "c": 3, "d": 3, "e": 1}
    assert top_idea_ids(tallies, 3) == ["a", "b", "c", "d"]


def test_a_tie_at_the_top_fills_it() -> None:
    assert top_idea_ids({"a": 2, "b": 2, "c": 2, "d": 2, "e": 1}, 3) == ["a", "b", "c", "d"]


def test_ideas_without_a_dot_are_never_top() -> None:
    assert top_idea_ids({"a": 1, "b": 0, "c": 0}, 3) == ["a"]
    assert top_idea_ids({"a": 0}, 3) == []
    assert top_idea_ids({}, 3) == []


def test_the_default_top_is_three() -> None:
    assert top_idea_ids({"a": 4, "b": 3, "c": 2, "d": 1}) == ["a", "b", "c"]


def test_order_is_by_dots_then_id() -> None:
    assert top_idea_ids({"z": 3, "b": 3, "m": 5}, 2) == ["m", "b", "z"]


def test_it_agrees_with_the_definition_on_random_boards() -> None:
    rng = random.Random(17)
    for _ in range(200):
        tallies = {f"idea-{k}": rng.randint(0, 6) for k in range(rng.randint(0, 40))}
        n = rng.randint(1, 8)
        assert top_idea_ids(tallies, n) == _by_definition(tallies, n)


def test_a_big_round_is_one_pass() -> None:
    # 50,000 ideas with dots (the count per idea was quadratic: seconds at this size).
    tallies = {f"idea-{k:05d}": 1 + k % 7 for k in range(50_000)}
    top = top_idea_ids(tallies, 3)
    # Thousands tie at 7 dots: all of them are in, and no idea with 6 (beaten by them all).
    assert top == sorted(i for i, c in tallies.items() if c == 7)


def test_times_sort_as_their_iso_text_does() -> None:
    rng = random.Random(11)
    base = datetime(2027, 1, 15, 9, tzinfo=UTC)
    times: list[datetime | None] = [None, datetime(1969, 12, 31, 23, 59, 59, 999_500, UTC),
                                    datetime(1970, 1, 1, tzinfo=UTC)]
    for _ in range(2000):
        # Sub-millisecond steps: two times in one millisecond are equal in the text.
        times.append(base + timedelta(microseconds=rng.randint(-10**7, 10**7)))
    for a in times:
        b = rng.choice(times)
        by_text = ((iso(a) or "~") > (iso(b) or "~")) - ((iso(a) or "~") < (iso(b) or "~"))
        by_key = (time_key(a) > time_key(b)) - (time_key(a) < time_key(b))
        assert by_key == by_text, (a, b)
