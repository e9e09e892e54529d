"""The kernel sits below every feature: it imports only the standard library and itself,
and the features beside each other (facilitation, the Koffiehoek) meet only in it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from sprankel.kernel.icebreakers import ICEBREAKERS
from sprankel.kernel.ids import new_id, new_join_code
from sprankel.kernel.languages import DEFAULT_LANGUAGE, LANGUAGES

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "sprankel"


def _imports(folder: str) -> dict[str, set[str]]:
    """Each module of the folder, with what it imports (relative ones as '.name')."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.add("." * node.level + (node.module or ""))
        found[path.name] = names
    return found


def test_the_kernel_imports_only_the_standard_library_and_itself() -> None:
    outside = {
        module: sorted(name for name in names
                       if name.startswith("..") or not (
                           name.startswith(".") or name.split(".")[0] in sys.stdlib_module_names))
        for module, names in _imports("kernel").items()
    }
    assert {module: names for module, names in outside.items() if names} == {}


def test_the_koffiehoek_uses_the_kernel_not_facilitation() -> None:
    borrowed = {module: sorted(n for n in names if "facilitation" in n)
                for module, names in _imports("koffiehoek").items()}
    assert {module: names for module, names in borrowed.items() if names} == {}


def test_every_language_has_the_same_warm_up_questions() -> None:
    # The Koffiehoek picks ICEBREAKERS[space.language]; a session keeps its question's
    # index when it switches language.
    assert DEFAULT_LANGUAGE in LANGUAGES
    assert set(ICEBREAKERS) == set(LANGUAGES)
    assert len({len(questions) for questions in ICEBREAKERS.values()}) == 1


def test_ids_never_start_like_an_option_or_a_formula() -> None:
    ids = [new_id() for _ in range(2000)] + [new_join_code() for _ in range(2000)]
    assert all(i[0].isalnum() for i in ids)
    assert len({len(i) for i in ids[:2000]}) == 1 and len(set(ids)) == len(ids)
