"""The browser client's shape (client/README.md): small modules, the session page's state
in one store, and no polling timer on the session page."""

from __future__ import annotations

import re
from pathlib import Path

CLIENT = Path(__file__).resolve().parent.parent / "client" / "src"


def session_modules() -> list[Path]:
    return [CLIENT / "pages" / "session.js", CLIENT / "lib" / "console.js",
            *sorted((CLIENT / "session").glob("*.js")), *sorted((CLIENT / "board").glob("*.js"))]


def test_the_session_page_has_no_polling_timer() -> None:
    timers: list[tuple[str, str]] = []
    for path in session_modules():
        found = re.finditer(r"\bset(Interval|Timeout)\(", path.read_text(encoding="utf-8"))
        timers += [(path.name, m.group(0)) for m in found]
    assert len(session_modules()) > 8
    assert timers == []


def test_the_session_page_keeps_no_module_level_mutable_state() -> None:
    # `let` and `var` at the top of a module are state shared by everything that imports
    # it; the session page's state lives in session/store.js's SessionStore instead.
    found = [(path.name, line) for path in session_modules()
             for line in path.read_text(encoding="utf-8").splitlines()
             if re.match(r"(let|var) ", line)]
    assert found == []


def test_every_client_module_is_under_300_lines() -> None:
    long = {path.relative_to(CLIENT).as_posix(): n for path in CLIENT.rglob("*.js")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) >= 300}
    assert long == {}
