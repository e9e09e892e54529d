"""scripts/check-imports: no import cycle in server/, and a cycle anywhere is named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = Path(__file__).resolve().parent.parent / "scripts" / "check-imports"


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "sprankel" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_server_has_no_import_cycle() -> None:
    result = check()
    assert result.returncode == 0, result.stderr
    assert "no import cycles" in result.stdout


def test_a_cycle_through_a_deferred_import_is_named_with_its_lines(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "",
        "server.py": "def serve() -> None:\n    from .supervisor import run\n    run()\n",
        "supervisor.py": "from .server import serve\n",
        "cli.py": "from . import server, supervisor\n",
    })
    result = check(str(root))
    assert result.returncode == 1
    assert ("import cycle: sprankel.server (line 2) -> sprankel.supervisor (line 1) -> "
            "sprankel.server") in result.stderr
    assert "cli" not in result.stderr  # importing both sides is no cycle


def test_cycles_through_absolute_type_only_and_package_imports_count(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "",
        "sync/__init__.py": "from .room import Room\n",
        "sync/room.py": "import sprankel.sync\n",
        "a.py": "import typing\nif typing.TYPE_CHECKING:\n    from sprankel.b import B\n",
        "b.py": "from sprankel import a\n",
    })
    result = check(str(root))
    assert result.returncode == 1
    assert "sprankel.sync (line 1) -> sprankel.sync.room (line 1) -> sprankel.sync" in result.stderr
    assert "sprankel.a (line 3) -> sprankel.b (line 1) -> sprankel.a" in result.stderr
    assert "2 import cycle(s)" in result.stderr
