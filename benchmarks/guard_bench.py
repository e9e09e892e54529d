"""What the update guard costs, beside what pycrdt itself spends on the same bytes.

Every client update is read by Sprankel's own decoder (sync/guard.py) before pycrdt
applies it, and a stored document is read whole when its room loads (sync/restore.py,
then the depth table, sync/type_depths.py). This times both against pycrdt's
`apply_update` of the same bytes, in one run, and prints the ratios:

    .venv/bin/python -m benchmarks.guard_bench --ideas 5000
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

from sprankel.config import Settings
from sprankel.sync.guard import UpdateLimits, parse_update
from sprankel.sync.restore import restore
from sprankel.sync.type_depths import TypeDepths


def _board(ideas: int) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    board = doc.get("ideas", type=Map)
    for i in range(ideas):
        with doc.transaction():
            board[f"idea-{i}"] = Map({
                "id": f"idea-{i}", "text": f"Idea {i}: a fixed coffee break at ten",
                "author_id": f"p{i % 30}", "author_name": "Ann", "round_id": "r1",
                "cluster_id": None, "color": "yellow", "created_at": 1.0 * i,
            })
    return doc


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()
    limits = UpdateLimits(settings.max_value_depth, settings.max_type_depth,
                          settings.max_update_structs, settings.max_document_size)

    doc = _board(args.ideas)
    snapshot = doc.get_update()
    before = doc.get_state()
    with doc.transaction():
        doc.get("ideas", type=Map)["one-more"] = Map({"text": "one more idea", "color": "blue"})
    one_idea = doc.get_update(before)

    def apply(update: bytes, base: bytes = b"") -> Callable[[], object]:
        def run() -> None:
            target: Doc[Any] = Doc()
            if base:
                target.apply_update(base)
            target.apply_update(update)
        return run

    def load() -> None:
        restored = restore([snapshot], limits)
        depths = TypeDepths(limits.max_type_depth)
        for _, parsed in restored.parts:
            depths.learn(parsed)

    rows = [
        (f"cold load of a {args.ideas}-idea board ({len(snapshot) / 1e6:.2f} MB)",
         _median_ms(load, args.repeat), _median_ms(apply(snapshot), args.repeat)),
        (f"one new idea ({len(one_idea)} B), x1000",
         _median_ms(lambda: [parse_update(one_idea, limits) for _ in range(1000)], args.repeat),
         _median_ms(lambda: [Doc().apply_update(one_idea) for _ in range(1000)], args.repeat)),
    ]
    print("| what | guard (ms) | pycrdt apply_update (ms) | guard / apply |")
    print("| --- | --- | --- | --- |")
    for what, guard_ms, apply_ms in rows:
        print(f"| {what} | {guard_ms:.0f} | {apply_ms:.0f} | {guard_ms / apply_ms:.1f}x |")


if __name__ == "__main__":
    main()
