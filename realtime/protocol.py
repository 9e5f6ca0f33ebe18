"""The websocket protocol's constants: its version and the close codes (docs/realtime.md)."""

PROTOCOL_VERSION = 1

# Close codes (4000-4999 are for applications, RFC 6455).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_RATE_LIMITED = 4429
