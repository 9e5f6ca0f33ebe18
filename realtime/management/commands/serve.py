"""`manage.py serve`: daphne with WILMA's ASGI application and the background tasks
(`WILMA["BACKGROUND_TASKS"]`: the relay and the search index worker on the embedded default)
on one event loop.

daphne 4.2.3 never sends ASGI lifespan events (its server creates applications only for HTTP
and websocket connections), so start-up work cannot hang off `lifespan.startup`: this command
starts daphne's `Server` itself and schedules the tasks on the loop that Twisted's asyncio
reactor runs. SIGTERM/SIGINT shut down gracefully: websockets get `reconnect {reason:
"restart"}` and close with 4503 (so clients move to another process at once), the background
tasks finish their round, then daphne stops.
"""

# daphne.server installs Twisted's asyncio reactor on import: before anything imports Twisted.
from daphne.server import Server  # isort: skip

import asyncio
import gc
import signal
import sys
from typing import Any

from channels.routing import get_default_application
from daphne.access import AccessLogGenerator
from daphne.endpoints import build_endpoint_description_strings
from django.core.management.base import BaseCommand, CommandError
from twisted.internet import reactor

from realtime import background, layer
from realtime.protocol import CLOSE_UNAVAILABLE

# Collections of the youngest generation after this many new container objects (CPython's
# default: 700). See tune_garbage_collector.
GC_THRESHOLDS = (50_000, 20, 100)

# After closing the websockets, how long the close handshakes get before the server stops.
CLOSE_GRACE_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Run the server (daphne) with the background tasks of WILMA_BACKGROUND_TASKS on the "
        "same event loop. Prints 'listening on http://HOST:PORT' when ready (--port 0 picks "
        "a free port)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Interface to bind.")
        parser.add_argument("--port", type=int, default=8000, help="Port (0: any free port).")
        parser.add_argument("--unix-socket", default=None, help="Also listen on this socket.")
        parser.add_argument(
            "--backlog",
            type=int,
            default=None,
            help="Listen backlog of the TCP socket (Twisted's default: 50). Raise it where "
            "thousands of clients reconnect at once (a restart of another process).",
        )
        parser.add_argument(
            "--proxy-headers",
            action="store_true",
            help="Trust X-Forwarded-For/-Port/-Proto (only behind a proxy that sets them).",
        )
        parser.add_argument(
            "--no-background", action="store_true", help="Do not run the background tasks."
        )
        parser.add_argument(
            "--access-log", default=None, help="Write an access log to this file ('-': stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tasks = (
                [] if options["no_background"] else background.load(background.configured_tasks())
            )
        except ImportError as error:
            raise CommandError(f"WILMA_BACKGROUND_TASKS: {error}") from error
        access_log = None
        if options["access_log"] == "-":
            access_log = AccessLogGenerator(sys.stdout)
        elif options["access_log"]:
            access_log = AccessLogGenerator(open(options["access_log"], "a", 1))  # noqa: SIM115
        proxy = options["proxy_headers"]
        endpoints = build_endpoint_description_strings(
            host=options["host"], port=options["port"], unix_socket=options["unix_socket"]
        )
        if options["backlog"]:
            endpoints = [
                f"{endpoint}:backlog={options['backlog']}"
                if endpoint.startswith("tcp:")
                else endpoint
                for endpoint in endpoints
            ]
        server = Server(
            application=get_default_application(),
            endpoints=endpoints,
            signal_handlers=False,  # ours below: close websockets and stop tasks first
            action_logger=access_log,
            proxy_forwarded_address_header="X-Forwarded-For" if proxy else None,
            proxy_forwarded_port_header="X-Forwarded-Port" if proxy else None,
            proxy_forwarded_proto_header="X-Forwarded-Proto" if proxy else None,
            verbosity=options["verbosity"],
        )
        runner = background.BackgroundTasks(tasks)
        loop: asyncio.AbstractEventLoop = reactor._asyncioEventloop
        stopping: list[bool] = []

        def start() -> None:
            runner.start()
            tune_garbage_collector()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, lambda: loop.create_task(shutdown()))
            report_listening(tries=100)

        def report_listening(tries: int) -> None:
            if server.listening_addresses:
                for host, port in server.listening_addresses:
                    self.stdout.write(f"wilma serve: listening on http://{host}:{port}")
                self.stdout.flush()
            elif tries > 0:
                loop.call_later(0.05, report_listening, tries - 1)

        async def shutdown() -> None:
            if stopping:
                return
            stopping.append(True)
            closed = await layer.close_all(code=CLOSE_UNAVAILABLE, reason="restart", retry_after=0)
            if closed:
                await asyncio.sleep(CLOSE_GRACE_SECONDS)
            await runner.stop()
            server.stop()

        loop.call_soon(start)
        server.run()
        self.stdout.write("wilma serve: stopped")


def tune_garbage_collector() -> None:
    """Once the server has started: move what start-up created (Django, the URL conf, the
    models; several hundred thousand objects) out of the collector's sight with `gc.freeze()`,
    and collect the youngest generation less often. A websocket event allocates many short-
    lived containers; with the defaults, full collections over the start-up heap paused the
    loop often enough to dominate the fan-out p99 (docs/benchmarks.md, realtime). Cycles are
    still collected, only in bigger batches."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
