"""Unguessable identifiers: they are URL-safe, because ids travel in document names.

No id starts with ``-`` or ``_``: one that did would read as an option on a command line
(``sprankel export -x…``) and as a formula to a spreadsheet, whose CSV guard would then
change the id itself.
"""

from __future__ import annotations

import secrets


def _token(nbytes: int) -> str:
    while True:
        token = secrets.token_urlsafe(nbytes)
        if token[0].isalnum():
            return token


def new_id() -> str:
    """An id for sessions, participants, rounds, ideas: 96 random bits."""
    return _token(12)


def new_join_code() -> str:
    """The code of a join link: 128 random bits, so links cannot be guessed."""
    return _token(16)
