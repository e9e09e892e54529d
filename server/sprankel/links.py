"""The links Sprankel hands out, and the page paths they point at: built here only.

A link is absolute: the configured --public-url, else the request's own base URL
(then it follows the Host header, which origins.py checks). Tokens travel in the
fragment (``#token=``): never sent to a server, never in a log or a Referer.
"""

from __future__ import annotations

from starlette.requests import Request

# The page routes (pages.py) of the paths below.
JOIN_PAGE = "/join/{sid}"
SESSION_PAGE = "/s/{sid}"
CONSOLE_PAGE = "/s/{sid}/console"
NEW_SPACE_PAGE = "/k"
SPACE_PAGE = "/k/{space_id}"


def base_url(public_url: str | None, request: Request) -> str:
    return (public_url or str(request.base_url)).rstrip("/")


def join_path(session_id: str, join_code: str) -> str:
    return JOIN_PAGE.format(sid=session_id) + f"?code={join_code}"


def facilitator_path(session_id: str, token: str) -> str:
    return CONSOLE_PAGE.format(sid=session_id) + f"#token={token}"


def space_path(space_id: str) -> str:
    return SPACE_PAGE.format(space_id=space_id)


def summary_path(space_id: str, session_id: str) -> str:
    """A space's download of a session's summary (api/spaces.py)."""
    return f"/api/spaces/{space_id}/sessions/{session_id}/summary.md"


def session_links(base: str, session_id: str, join_code: str,
                  facilitator_token: str | None = None) -> dict[str, str]:
    """The join link, and for a facilitator the console link with their token."""
    links = {"join": base + join_path(session_id, join_code)}
    if facilitator_token:
        links["facilitator"] = base + facilitator_path(session_id, facilitator_token)
    return links
