"""The wheel carries the product and only the product.

The browser bundle lives in static/ beside server/ in the repository, and the package
list in pyproject.toml is written out by hand (the bundle needs its own package
folder), so a real wheel is built and read: a package left off the list, or a bundle
left behind, would otherwise only show on a user's machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build_wheel(tmp_path: Path) -> set[str]:
    # A copy of what the build reads, so the build's scratch (egg-info, build/) stays
    # out of the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "server" / "sprankel", source / "server" / "sprankel",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "static", source / "static")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=170, check=False,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("sprankel-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_carries_every_module_the_templates_and_the_browser_bundle(
    tmp_path: Path,
) -> None:
    names = build_wheel(tmp_path)

    package = REPO / "server" / "sprankel"
    modules = {"sprankel/" + p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    assert modules - names == set(), "add the missing packages to pyproject.toml"

    static = REPO / "static"
    bundle = {"sprankel/static/" + p.relative_to(static).as_posix()
              for p in static.rglob("*") if p.is_file()}
    assert "sprankel/static/manifest.json" in bundle
    assert bundle - names == set()

    assert "sprankel/templates/base.html" in names
    assert "sprankel/export/templates/summary.md.j2" in names
    assert {"sprankel/messages/nl.json", "sprankel/messages/en.json"} <= names
    assert "sprankel/py.typed" in names

    # Test clients, sample data and doc generators live beside the tests, not in the product.
    shipped = {name.rsplit("/", 1)[-1] for name in names}
    assert {"yclient.py", "sample_session.py", "export-example", "example.py"} & shipped == set()
