"""Constants with meaning: WebSocket close codes and limits shared across layers.

Close codes 4400-4499 are permanent for the y-websocket client (it stops
reconnecting); every other code makes it reconnect with backoff.
"""

# Standard codes (RFC 6455).
CLOSE_GOING_AWAY = 1001  # server shutting down: reconnect elsewhere
CLOSE_PROTOCOL_ERROR = 1002  # truncated or malformed y-websocket message, unknown type
CLOSE_UNSUPPORTED_DATA = 1003  # a text frame: the protocol is binary only
CLOSE_INVALID_PAYLOAD = 1007  # a Yjs update or awareness state that cannot be applied
# Against the server's rules: a message flood; awareness for another's client id, too many
# ids or entries, a state too big, or on a document that takes none.
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009  # over the configured maximum message size
CLOSE_INTERNAL_ERROR = 1011  # the store failed: nothing was acknowledged
CLOSE_TRY_AGAIN_LATER = 1013  # outbox overflowed, or too many connections: back off, retry

# Not permanent: the client reconnects at once and is let in under its new rights.
CLOSE_ACCESS_CHANGED = 4000  # the participant's role changed (made or no longer co-facilitator)

# Sprankel's permanent refusals (the client does not retry).
CLOSE_BAD_REQUEST = 4400  # invalid document name
CLOSE_UNAUTHORIZED = 4401  # missing, malformed or expired token (also while connected)
CLOSE_FORBIDDEN = 4403  # valid token, but not for this document; removed from the session
CLOSE_NOT_FOUND = 4404  # no such session or document
CLOSE_GONE = 4410  # the session has ended
# The session was deleted (by its facilitator, the operator or its retention period): as
# if it never existed, which is what the API (404) and a new connection (4404) say after.
CLOSE_DELETED = CLOSE_NOT_FOUND
CLOSE_DOCUMENT_FULL = 4413  # the document reached --max-document-size: only deleting is allowed
