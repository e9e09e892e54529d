"""The HTML pages and the built browser assets (/static).

Pages are small Jinja2 shells: the page script (an ES module from static/, named through
manifest.json) renders the interface. Data the script needs travels as a JSON block.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from . import __version__, links
from .kernel.languages import DEFAULT_LANGUAGE, LANGUAGES
from .kernel.limits import MAX_NAME
from .messages import catalogue
from .precompressed import COMPRESSIBLE, GzipKeeper, accepts_gzip, compressible

HERE = Path(__file__).parent


def _static_dir() -> Path:
    # In a source checkout (also `pip install -e .`) the built bundle is static/ beside
    # server/; an installed wheel carries it inside the package, as sprankel/static.
    checkout = HERE.parent.parent / "static"
    if HERE.parent.name == "server" and checkout.is_dir():
        return checkout
    return HERE / "static"


STATIC_DIR = _static_dir()
# Session ids travel in URLs and document names: the same URL-safe alphabet as the API.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HASHED = re.compile(r"-[A-Z0-9]{8}\.(js|css)(\.map)?$")
_COMPRESSIBLE_NAME = re.compile("(" + "|".join(re.escape(s) for s in sorted(COMPRESSIBLE)) + ")$")

# The shell's own words (the page script translates the rest), from the message catalogue.
SHELL_KEYS = {"skip": "skip.main", "tagline": "app.tagline", "noscript": "page.noscript"}


def shell_text(lang: str) -> dict[str, str]:
    messages = catalogue(lang)
    return {name: messages[key] for name, key in SHELL_KEYS.items()}


class Manifest:
    """Logical asset names ("session.js") to the content-hashed files of the last build."""

    def __init__(self, static_dir: Path) -> None:
        self.path = static_dir / "manifest.json"
        self._loaded: tuple[float, dict[str, str]] | None = None

    def entries(self) -> dict[str, str]:
        # Re-read after a rebuild (a developer running the server while editing client/).
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError as exc:
            raise RuntimeError(
                f"{self.path} is missing: build the browser client with scripts/build-client"
            ) from exc
        if self._loaded is None or self._loaded[0] != mtime:
            self._loaded = (mtime, json.loads(self.path.read_text(encoding="utf-8")))
        return self._loaded[1]

    def url(self, name: str) -> str:
        return "/static/" + self.entries()[name]


class CachedStaticFiles(StaticFiles):
    """Static files; content-hashed names are cached for a year, the rest revalidated;
    in gzip for clients that take it (precompressed.py)."""

    def __init__(self, directory: str) -> None:
        super().__init__(directory=directory)
        self._gzip = GzipKeeper()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.stat_result is None:
            if _COMPRESSIBLE_NAME.search(path):
                response.headers["Vary"] = "Accept-Encoding"  # a 304 of either encoding
            return response
        if not compressible(response.path, response.stat_result.st_size):
            return response
        response.headers["Vary"] = "Accept-Encoding"
        request = Headers(scope=scope)
        if not accepts_gzip(request.get("accept-encoding", "")):
            return response
        return await self._gzip.response(response, request, scope["method"] == "HEAD")

    def file_response(self, full_path: Any, stat_result: Any, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        name = str(full_path)
        if _HASHED.search(name) or "/excalidraw-" in name:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def choose_language(request: Request) -> str:
    """The remembered choice (cookie), else the browser's Accept-Language, else Dutch."""
    cookie = request.cookies.get("sprankel_lang")
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, str]] = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES:
            ranked.append((q, base))
    if ranked:
        return max(ranked, key=lambda item: item[0])[1]
    return DEFAULT_LANGUAGE


def routes() -> list[BaseRoute]:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    manifest = Manifest(STATIC_DIR)

    def render(request: Request, script: str, data: dict[str, Any],
               status_code: int = 200) -> Response:
        lang = choose_language(request)
        theme = request.cookies.get("sprankel_theme")
        context = {
            "lang": lang,
            "theme": theme if theme in ("light", "dark") else "light",
            "text": shell_text(lang),
            "script": script,
            # Every form's limit is the API's: the page script reads it, never a copy.
            "data": {**data, "limits": {"name": MAX_NAME}},
            "version": __version__,
            "asset": manifest.url,
        }
        response = templates.TemplateResponse(request, "base.html", context,
                                              status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        return response

    def session_assets() -> dict[str, str]:
        return {
            "whiteboardCss": manifest.url("whiteboard.css"),
            "excalidrawAssetPath": "/static/" + manifest.entries()["excalidrawAssetPath"],
        }

    def not_found(request: Request) -> Response:
        return render(request, "home.js", {"page": "home", "error": "not_found"}, 404)

    async def home(request: Request) -> Response:
        return render(request, "home.js", {"page": "home"})

    async def join(request: Request) -> Response:
        sid = request.path_params["sid"]
        if not _ID.match(sid):
            return not_found(request)
        return render(request, "join.js", {"page": "join", "sid": sid})

    async def session(request: Request) -> Response:
        sid = request.path_params["sid"]
        if not _ID.match(sid):
            return not_found(request)
        page = "console" if request.url.path.endswith("/console") else "session"
        return render(request, "session.js",
                      {"page": page, "sid": sid, "assets": session_assets()})

    async def new_space(request: Request) -> Response:
        return render(request, "space.js", {"page": "space-new"})

    async def space(request: Request) -> Response:
        space_id = request.path_params["space_id"]
        if not _ID.match(space_id):
            return not_found(request)
        return render(request, "space.js", {"page": "space", "space": space_id})

    return [
        Route("/", home),
        Route(links.NEW_SPACE_PAGE, new_space),
        Route(links.SPACE_PAGE, space),
        Route(links.JOIN_PAGE, join),
        Route(links.SESSION_PAGE, session),
        Route(links.CONSOLE_PAGE, session),
        Mount("/static", app=CachedStaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
