"""The one face every feature offers the composition root (app.py), in the manner of
a Hocuspocus extension.

A feature is built with the collaborators it needs passed in (the store, the rooms,
another feature's engine), and then offers:

    endpoints()    its HTTP endpoints, each declared once (api/endpoint.py)
    routes()       routes that are no JSON endpoint (the login's redirects, the voice
                   sockets: a WebSocket that is not a document)
    authorizers()  document-name prefix -> who may open those documents (sync/access.py)
    start()        after the store, the broker and every feature before it
    stop()         before them, in reverse order

The root registers the authorizers with the rooms, gathers the endpoints into routes
and the OpenAPI document, and starts and stops the features in order. It looks
nothing up by name and discovers nothing by import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.routing import BaseRoute

from .api.endpoint import Endpoint
from .sync.access import Authorizer


class Feature:
    """The defaults: no endpoints, no documents, nothing to start or stop."""

    def endpoints(self) -> Sequence[Endpoint]:
        return ()

    def routes(self) -> Sequence[BaseRoute]:
        return ()

    def authorizers(self) -> Mapping[str, Authorizer]:
        return {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
