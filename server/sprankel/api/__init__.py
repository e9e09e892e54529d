"""HTTP JSON API (the facilitation helper replaces this placeholder)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ..services import Services


def routes(services: Services) -> list[BaseRoute]:
    return []
