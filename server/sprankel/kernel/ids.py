"""Unguessable identifiers: they are URL-safe, because ids travel in document names."""

from __future__ import annotations

import secrets


def new_id() -> str:
    """An id for sessions, participants, rounds, ideas: 96 random bits."""
    return secrets.token_urlsafe(12)


def new_join_code() -> str:
    """The code of a join link: 128 random bits, so links cannot be guessed."""
    return secrets.token_urlsafe(16)
