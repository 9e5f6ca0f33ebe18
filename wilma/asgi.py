"""ASGI entry point: HTTP goes to Django, websockets through the handshake checks (origin,
authentication) to the realtime routing.

Run it with `manage.py serve` (daphne plus the background tasks; daphne 4.2.3 sends no
lifespan events, so the command starts them). Servers that implement the ASGI lifespan
protocol (uvicorn, hypercorn) start the same background tasks through `lifespan`.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wilma.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.background import lifespan  # noqa: E402
from realtime.handshake import websocket_stack  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_stack(URLRouter(websocket_urlpatterns)),
        "lifespan": lifespan,
    }
)
