"""The small HTTP helpers of the JSON API: bodies, bearer tokens, errors as values."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..kernel.errors import AppError
from ..responses import error
from .endpoint import Handler

__all__ = ["BadRequest", "Handler", "api_errors", "bearer", "error", "json_body"]

log = logging.getLogger("sprankel.api")

MAX_BODY = 64 * 1024  # the largest body any endpoint needs is a round or an idea
MAX_DEPTH = 16  # the deepest body any endpoint needs is 3 levels; more is an attack

class BadRequest(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


async def json_body(request: Request, *, optional: bool = False) -> Any:
    # Read at most MAX_BODY + 1 bytes: a huge body is refused without being held in memory.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest(413, "too_large", f"the body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if optional:
            return None
        raise BadRequest(422, "invalid", "a JSON body is required")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(422, "invalid", f"the body is not valid JSON: {e}") from None
    if _depth(body) > MAX_DEPTH:
        # Refused before any handler walks it: deep values cost recursion everywhere.
        raise _too_deep()
    return body


def _too_deep() -> BadRequest:
    return BadRequest(422, "invalid", f"the body is nested more than {MAX_DEPTH} levels deep")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (iteratively: no recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children)
    return deepest


def api_errors(handler: Handler) -> Handler:
    """Turn refusals into JSON {error, message}; an unexpected failure is one log line
    and a 500 that tells nothing about the inside."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except AppError as refusal:
            return error(refusal.status, refusal.error, refusal.message)
        except BadRequest as bad:
            return error(bad.status, bad.error, bad.message)
        except Exception:
            log.exception("api failure %s %s", request.method, request.url.path)
            return error(500, "internal", "the server failed; the log has the details")

    return wrapped
