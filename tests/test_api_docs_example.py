"""The worked example in docs/api.md runs as written against a real server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ServerFactory

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def _example() -> str:
    text = DOC.read_text()
    block = re.search(r"<!-- example:start -->\n```bash\n(.*?)```\n<!-- example:end -->", text,
                      re.S)
    assert block is not None, "docs/api.md lost its example markers"
    return block.group(1)


def test_the_worked_example_runs(start_server: ServerFactory) -> None:
    if shutil.which("jq") is None or shutil.which("curl") is None:
        pytest.skip("the example needs curl and jq")
    server = start_server()
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + _example()],
        env={**os.environ, "SPRANKEL": server.http_url},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"{server.http_url}/join/" in out
    assert "Ann: Virtual coffee roulette" in out and "Bob: Something off-topic" in out
    assert '"held_back_count": 1' in out
    lines = out.splitlines()
    assert "409" in lines and "410" in lines
    assert "Something off-topic" not in out.split('"held_back_count": 1')[1]
    assert "# Koffie op afstand" in lines
