"""Refusals only the rules of a session give; the shared ones are in kernel/errors.py."""

from __future__ import annotations

from ..kernel.errors import AppError


class SessionEnded(AppError):
    status = 410
    error = "session_ended"

    def __init__(self, message: str = "the session has ended") -> None:
        super().__init__(message)


class WrongPhase(AppError):
    """The round or session is not in the phase that allows this (423 Locked)."""

    status = 423
    error = "wrong_phase"
