"""`sprankel export` works without a server, from the data folder, and says what is wrong."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from sample_session import sample_session, store_sample_session
from sprankel.config import Settings
from sprankel.export import render
from sprankel.export.command import run_export
from sprankel.store.sqlite import SQLiteStore


def sprankel(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sprankel.cli", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=60, check=False)


async def fill_sqlite(data_dir: Path, ideas: int) -> str:
    store = SQLiteStore(data_dir / "sprankel.sqlite3")
    await store.start()
    try:
        return await store_sample_session(store, ideas)
    finally:
        await store.close()


def without_generation_line(markdown: str) -> str:
    return markdown.split("\n---\n")[0]


def test_the_cli_writes_every_format_from_the_data_folder(tmp_path: Path) -> None:
    sid = asyncio.run(fill_sqlite(tmp_path, 40))
    expected = sample_session(40, session_id=sid)

    out = tmp_path / "summary.md"
    done = sprankel("export", sid, "--data-dir", str(tmp_path), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert without_generation_line(out.read_text(encoding="utf-8")) == \
        without_generation_line(render(expected, "md"))

    as_json = sprankel("export", sid, "--format", "json", "--data-dir", str(tmp_path))
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)["ideas"]) == 40

    out_csv = tmp_path / "ideas.csv"
    as_csv = sprankel("export", sid, "--format", "csv", "--data-dir", str(tmp_path),
                      "-o", str(out_csv))
    assert as_csv.returncode == 0, as_csv.stderr
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # BOM and CRLF kept as written
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 40


def test_the_cli_says_what_is_wrong(tmp_path: Path) -> None:
    missing = sprankel("export", "nope", "--data-dir", str(tmp_path / "nothing"))
    assert missing.returncode == 1 and "no Sprankel data in" in missing.stderr
    asyncio.run(fill_sqlite(tmp_path, 1))
    unknown = sprankel("export", "nope", "--data-dir", str(tmp_path))
    assert unknown.returncode == 1 and "no session 'nope'" in unknown.stderr
    assert missing.stdout == "" and unknown.stdout == ""


def test_the_command_says_when_the_database_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "sprankel.sqlite3").write_bytes(b"this is not a database" * 100)
    err = io.StringIO()
    assert run_export(Settings(data_dir=tmp_path), "x", "md", None, stderr=err) == 1
    assert "cannot read the store" in err.getvalue()
