"""The y-websocket sync server: protocol, rooms and connections. Knows nothing of sessions."""
