"""Logs without secrets: tokens, join codes and Authorization values are redacted.

uvicorn logs every request and WebSocket URL with its query (``/ws/DOC?token=...``,
``/join/SID?code=...``), and at debug level the websockets library logs request
headers. A log file is read by more people than a session, and kept longer: the
filter rewrites each record before any handler writes it.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS = (
    # Query and fragment parameters: ?token=..., &code=..., #token=...
    re.compile(r"(?i)([?&#;](?:token|code|join_code|facilitator_token)=)[^&#\s\"'<>]+"),
    # The same as JSON fields: "token": "...".
    re.compile(r"(?i)(\"(?:token|join_code|facilitator_token)\"\s*:\s*\")[^\"]+"),
    # Authorization headers, as text or as a (name, value) pair: scheme and credentials.
    re.compile(r"(?i)(authorization['\"]?\s*(?:[:=]|,\s*b?['\"])\s*)(?:[a-z]+\s+)?[\w.~+/=-]+"),
    # A bearer token wherever it appears.
    re.compile(r"(?i)(\bbearer\s+)[\w.~+/=-]+"),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Formats the message (and any traceback) once, redacted; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sprankel")


def install(logger_names: tuple[str, ...] = LOGGERS) -> None:
    """On every handler of the root logger (records of all loggers pass there) and on
    the named loggers (for records their own handlers write)."""
    secrets_filter = RedactSecrets()
    for handler in logging.getLogger().handlers:
        handler.addFilter(secrets_filter)
    for name in logger_names:
        logging.getLogger(name).addFilter(secrets_filter)
