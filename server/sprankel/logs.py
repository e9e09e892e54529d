"""Log lines as text or as JSON (`--log-format json`), with the id of the request or
connection they belong to.

Every HTTP request gets an id (the proxy's `X-Request-Id` when it is a plain short
token, else a new one), answered in the `X-Request-Id` header; every document
WebSocket has its connection id. Both are kept in context variables, so every
line logged while serving that request or connection (uvicorn's access line
included: it is logged from inside the app's send) carries them without each
call passing them on. Secrets are removed before any formatter sees a record
(redact.py), in both formats.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
connection_id: ContextVar[str | None] = ContextVar("connection_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REQUEST_ID_HEADER = "x-request-id"
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and
    request_id / connection_id when the line belongs to one; exc for a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": _utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request_id", None) or request_id.get()
        if request:
            line["request_id"] = request
        connection = getattr(record, "connection_id", None) or connection_id.get()
        if connection:
            line["connection_id"] = connection
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text  # redact.py cleaned it already
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """The text format, with ` req=ID` / ` conn=ID` appended where the message has none."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request = request_id.get()
        if request and "req=" not in text:
            text += f" req={request}"
        connection = connection_id.get()
        if connection and "conn=" not in text:
            text += f" conn={connection}"
        return text


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def _utc(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


class RequestIds:
    """ASGI middleware: a request id for every HTTP request, in the logs and the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                      if name == REQUEST_ID_HEADER.encode()), "")
        rid = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
