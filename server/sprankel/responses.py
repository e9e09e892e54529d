"""The two answers every edge builds the same way: a JSON error and a file download.

Everything that answers `{error, message}` (the API, the framework's own answers on
/api, the Host and Origin checks, /readyz, security.txt, the connection guard) builds
it here, so clients can rely on one shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.responses import JSONResponse, Response


def error_body(code: str, message: str) -> bytes:
    """The bytes of an error answer, for the one place that writes raw HTTP
    (transport.py refuses connections before there is an ASGI app to answer)."""
    return json.dumps({"error": code, "message": message}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def error(status: int, code: str, message: str,
          headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status,
                        headers=headers)


def download(content: str | bytes, filename: str, media_type: str) -> Response:
    """A file the browser saves as `filename` (plain ASCII: export/filename.py); text is
    sent as UTF-8."""
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        # A session's results are not for shared caches or later visitors.
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })
