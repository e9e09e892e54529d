"""Running the app under uvicorn, with a shutdown that lets clients reconnect at once.

uvicorn's own shutdown closes WebSockets with 1012; Sprankel first closes them
with 1001 and flushes every open document, so clients reconnect (to another
process, or to this one once it is back) with nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

import uvicorn

from .app import create_app
from .config import Settings
from .services import Services

log = logging.getLogger("sprankel")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT, stream=sys.stderr)


def uvicorn_config(settings: Settings, app: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_max_size=settings.max_message_size,
        ws_per_message_deflate=settings.per_message_deflate,
        lifespan="on",
        log_config=None,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        factory=isinstance(app, str),
    )


class SprankelServer(uvicorn.Server):
    """uvicorn.Server that closes Sprankel's sockets with 1001 before uvicorn's own shutdown."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # stop accepting first: nobody new joins a closing process
        app = getattr(self.config.loaded_app, "app", self.config.loaded_app)
        services = _find_services(app)
        if services is not None:
            await services.rooms.shutdown()
            for _ in range(20):  # up to 2 s for close handshakes to finish
                if not self.server_state.connections:
                    break
                await asyncio.sleep(0.1)
        await super().shutdown(sockets)


def _find_services(app: object) -> Services | None:
    # uvicorn wraps the app in middleware; walk down to the Starlette app.
    for _ in range(10):
        state = getattr(app, "state", None)
        services = getattr(state, "services", None)
        if isinstance(services, Services):
            return services
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


def serve(settings: Settings) -> None:
    configure_logging(settings)
    if settings.workers > 1:
        from .supervisor import run_workers

        run_workers(settings)
        return
    config = uvicorn_config(settings, create_app(settings))
    SprankelServer(config).run()
