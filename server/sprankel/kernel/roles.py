"""The one refusal of a role that may not do something (the API's declared roles and
the engine's rules raise the same message)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import Forbidden


def require_role(role: str, roles: Sequence[str]) -> None:
    if roles and role not in roles:
        raise Forbidden(f"only the {' or the '.join(roles)} may do this; you are {role}")
