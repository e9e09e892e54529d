"""Static assets in gzip: compressed once, in a thread, and kept in memory.

The whiteboard bundle is 1.5 MB of JavaScript and went out uncompressed; in gzip
it is about a third of that. Each compressible file is compressed at most once per
version (path, modification time, size) at the first request that accepts gzip,
off the event loop (zlib releases the GIL), at the highest level since it is done
once. The answer carries its own ETag (a representation differs from the plain
file's) and ``Vary: Accept-Encoding``, so that caches keep the two apart. Brotli
would save about another fifth; it needs a dependency (the ``brotli`` package),
which is left for a decision.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse

COMPRESSIBLE = frozenset({".js", ".mjs", ".css", ".map", ".json", ".svg", ".txt", ".ttf",
                          ".otf", ".html"})
MIN_SIZE = 1024  # below this the gzip header eats most of the saving
KEPT = 512  # versions of files kept; a rebuild while the server runs adds new names


def compressible(path: str | os.PathLike[str], size: int) -> bool:
    return size >= MIN_SIZE and Path(path).suffix in COMPRESSIBLE


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (not with q=0; ``*`` counts)."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        q = params.strip()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


class GzipKeeper:
    def __init__(self) -> None:
        self._kept: dict[tuple[str, int, int], tuple[bytes, str]] = {}

    async def response(self, plain: FileResponse, request: Headers, head: bool) -> Response:
        """The gzip answer for a plain file response that passed compressible()."""
        stat = plain.stat_result
        assert stat is not None
        key = (str(plain.path), stat.st_mtime_ns, stat.st_size)
        found = self._kept.get(key)
        if found is None:
            found = await asyncio.to_thread(_compress, str(plain.path))
            if len(self._kept) >= KEPT:
                del self._kept[next(iter(self._kept))]  # the oldest
            self._kept[key] = found
        body, etag = found
        headers = MutableHeaders(raw=[(k, v) for k, v in plain.headers.raw
                                      if k not in (b"content-length", b"etag")])
        headers["ETag"] = etag
        headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        if etag in [tag.strip() for tag in request.get("if-none-match", "").split(",")]:
            return NotModifiedResponse(headers)
        response = Response(b"" if head else body, status_code=200)
        response.raw_headers = headers.raw
        return response


def _compress(path: str) -> tuple[bytes, str]:
    body = gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '-gzip"'
