"""Refusals, as values the API turns into JSON {error, message} with their HTTP status."""

from __future__ import annotations


class AppError(Exception):
    """A request the rules refuse; `status` is the HTTP status, `error` a stable code."""

    status = 400
    error = "bad_request"

    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error is not None:
            self.error = error


class Unauthorized(AppError):
    status = 401
    error = "unauthorized"


class Forbidden(AppError):
    status = 403
    error = "forbidden"


class NotFound(AppError):
    status = 404
    error = "not_found"


class Conflict(AppError):
    status = 409
    error = "conflict"


class Invalid(AppError):
    """The request body is wrong; the message names the field and what is expected."""

    status = 422
    error = "invalid"
