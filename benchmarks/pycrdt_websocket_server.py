"""pycrdt-websocket as its documentation runs it: a WebsocketServer behind uvicorn.

Started by the runner with the interpreter of its own venv (benchmarks/.work/),
so pycrdt-websocket's dependencies never meet Sprankel's. The room is the URL
path; uvicorn keeps its defaults (permessage-deflate on) unless told otherwise.

    python pycrdt_websocket_server.py PORT [--no-deflate]
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from pycrdt.websocket import (  # type: ignore[import-not-found, unused-ignore]
    ASGIServer,
    WebsocketServer,
)


async def main(port: int, deflate: bool) -> None:
    websocket_server = WebsocketServer()
    app = ASGIServer(websocket_server)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws_per_message_deflate=deflate
    )
    async with websocket_server:
        await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), "--no-deflate" not in sys.argv[2:]))
