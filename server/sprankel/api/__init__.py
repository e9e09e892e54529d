"""The HTTP JSON API under /api: each feature's endpoints (sessions.py, spaces.py,
export.py, presence.py), declared once (endpoint.py) and made into routes and the
OpenAPI document by routing.py. access.py holds the WebSocket rules of sessions."""
