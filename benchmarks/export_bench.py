"""Markdown export of a big session: the path of `sprankel export`, timed; and the archive
package (`--format zip`: every export, the whiteboard files, MDTO metadata) of the same.

A sample session (the tests' `store_sample_session`: records, a board of
N ideas with clusters, notes and whiteboard) is written into a fresh SQLite
store; then the export is read back from that store and rendered, as the
command and the download endpoint do. Runs with the project's Python:

    .venv/bin/python -m benchmarks.export_bench --ideas 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sprankel.config import Settings
from sprankel.export import render
from sprankel.export.command import export_text
from sprankel.store.sqlite import SQLiteStore

# The sample session is test data: it lives beside the tests, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from sample_session import sample_session, store_sample_session


async def _prepare(settings: Settings, ideas: int) -> str:
    store = SQLiteStore(settings.database_path)
    await store.start()
    try:
        return await store_sample_session(store, ideas=ideas)
    finally:
        await store.close()


def measure(ideas: int, repeats: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="sprankel-export-bench-") as folder:
        settings = Settings(data_dir=Path(folder))
        session_id = asyncio.run(_prepare(settings, ideas))
        whole: list[float] = []
        text: str | bytes = ""
        for _ in range(repeats):
            start = time.perf_counter()
            text = asyncio.run(export_text(settings, session_id, "md"))
            whole.append((time.perf_counter() - start) * 1000)
        archive: list[float] = []
        package: str | bytes = b""
        for _ in range(repeats):
            start = time.perf_counter()
            package = asyncio.run(export_text(settings, session_id, "zip"))
            archive.append((time.perf_counter() - start) * 1000)
    model = sample_session(ideas)
    rendering: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        render(model, "md")
        rendering.append((time.perf_counter() - start) * 1000)
    return {
        "ideas": ideas,
        "repeats": repeats,
        "markdown_p50_ms": statistics.median(whole),
        "render_only_p50_ms": statistics.median(rendering),
        "markdown_bytes": len(text.encode() if isinstance(text, str) else text),
        "zip_p50_ms": statistics.median(archive),
        "zip_bytes": len(package),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ideas", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.ideas, args.repeats)))


if __name__ == "__main__":
    main()
