"""The websocket protocol's constants: its version and the close codes (docs/realtime.md)."""

# 2: heartbeats, `reconnect` before a server-side close with 4503, close codes an ASGI server
# can actually send (4413 instead of 1009), announcement streams, typing and presence,
# `resync_required` for replays longer than the cap.
PROTOCOL_VERSION = 2

# Close codes, modelled on HTTP statuses. Applications may only send 1000 and 3000-4999
# (RFC 6455 7.4.2; daphne's websocket library refuses anything else with an exception), so the
# registered 1009/1012/1013 are not available to us.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_MESSAGE_TOO_BIG = 4413
CLOSE_RATE_LIMITED = 4429
# The server is restarting, or the channel layer (Redis) is unreachable: a `reconnect
# {reason, retry_after}` message comes just before; reconnect after `retry_after` seconds.
CLOSE_UNAVAILABLE = 4503
