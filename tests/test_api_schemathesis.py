"""The OpenAPI document is true to the API: schemathesis, with all its checks, against a
real server's /api/openapi.json.

Its cases use a real session (the facilitator's token and the session id as path
parameters), so the calls get past authentication into the rules. Rule refusals that
depend on the session's state rather than on the request's shape (410 ended, 423 wrong
phase) count as accepted data, as 409 does by default. Bounded: a few examples per
operation with a fixed seed, so a run is the same run every time. In five parts (by path),
which pytest-xdist spreads over its workers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import ServerFactory

pytest.importorskip("schemathesis")

EXAMPLES = 6
SEED = 11

CONFIG = """\
[parameters]
sid = "{sid}"
session_id = "{sid}"

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "410", "423", "429"]

# The coverage phase tries each of the ~600 time zone names of ?tz=; for the archive
# package each is a whole zip (0.1-0.5 s). Its ?tz= is the same code as export.md's,
# which the coverage phase does try; the zip keeps the examples and fuzzing phases.
[[operations]]
include-path-regex = '/export\\.zip$'
phases.coverage.enabled = false

# Merging an idea into itself is a rule refusal (422) that the schema cannot express.
[[operations]]
include-path-regex = '/merge$'
checks.positive_data_acceptance.expected-statuses = [
  "2xx", "3xx", "401", "403", "404", "409", "410", "422", "423", "429"]
"""


def _st() -> list[str]:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


# The operations in five parts, each against its own server and session, so that
# pytest-xdist can run them side by side; the last part is everything the others leave.
# The hidden-idea actions have a part of their own: with POST /ideas beside them, the
# stateful phase takes their (right) 404 for a new idea as "created resource not found",
# but they act on hidden ideas, which POST /ideas does not make.
_HIDDEN = r"/ideas/[^/]+/(hold|merge|release|reveal)$|/hidden-ideas$"
PARTS = {
    "ideas": ["--include-path-regex", "/ideas", "--exclude-path-regex", _HIDDEN],
    "hidden-ideas": ["--include-path-regex", _HIDDEN],
    "rounds": ["--include-path-regex", "/rounds"],
    "spaces": ["--include-path-regex", "^/api/spaces"],
    "the-rest": ["--exclude-path-regex", rf"/ideas|/rounds|^/api/spaces|{_HIDDEN}"],
}


@pytest.mark.timeout(170)
@pytest.mark.parametrize("part", PARTS)
def test_the_api_matches_its_openapi_document(start_server: ServerFactory,
                                              tmp_path: Path, part: str) -> None:
    # The rate limits are tested in test_limits.py; here they would only turn the
    # generated requests into 429s (and one before a missing token's 401).
    server = start_server("--sessions-per-minute", "0", "--spaces-per-minute", "0",
                          "--joins-per-minute", "0", "--joins-per-session-per-minute", "0",
                          "--members-per-minute", "0", "--members-per-space-per-minute", "0",
                          "--space-chat-per-minute", "0")
    created = httpx.post(server.http_url + "/api/sessions", json={"title": "Schemathesis"},
                         timeout=10)
    assert created.status_code == 201, created.text
    session = created.json()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(sid=session["id"]))
    done = subprocess.run(
        [*_st(), "--config-file", str(config), "run", server.http_url + "/api/openapi.json",
         *PARTS[part], "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", str(SEED),
         # One worker: CPython 3.11's ast module can fail across threads ("AST constructor
         # recursion depth mismatch"), which hypothesis hits while naming its filters.
         "--workers", "1", "--no-color", "--generation-database", "none",
         "--request-timeout", "10", "--report-dir", str(tmp_path / "report"),
         "-H", f"Authorization: Bearer {session['facilitator_token']}"],
        capture_output=True, text=True, timeout=150, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    # The server answered everything without failing inside.
    assert "api failure" not in server.log()
