"""`manage.py realtime_relay`: re-send events that were committed but never published."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from realtime import relay
from realtime.events import relay_unpublished
from realtime.layer import is_shared


class Command(BaseCommand):
    help = (
        "Send realtime events left unpublished for more than --grace seconds (the process died "
        "between commit and send, or the channel layer was down). Runs until SIGTERM/SIGINT "
        "and survives Redis and database outages; --once makes one pass. Needs the shared "
        "channel layer (REDIS_URL): with the in-memory layer it would send into its own "
        "process only (there, `manage.py serve` runs the relay inside the server)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="Seconds an event may stay unpublished (default: WILMA_RELAY_GRACE_SECONDS).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between passes (default: WILMA_RELAY_INTERVAL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        grace = options["grace"]
        if grace is None:
            grace = float(settings.WILMA["RELAY_GRACE_SECONDS"])
        if options["once"]:
            sent = relay_unpublished(older_than=timedelta(seconds=grace))
            self.stdout.write(f"realtime_relay: sent {sent} event(s)")
            return
        from channels.layers import get_channel_layer

        if not is_shared(get_channel_layer()):
            raise CommandError(
                "realtime_relay needs REDIS_URL (the in-memory layer reaches no other "
                "process); on the embedded default `manage.py serve` runs the relay."
            )
        self.stdout.write(f"realtime_relay: running (grace {grace:g} s)")
        self.stdout.flush()
        asyncio.run(self._run(grace=grace, interval=options["interval"]))
        self.stdout.write("realtime_relay: stopped")

    async def _run(self, *, grace: float, interval: float | None) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await relay.run(stop, grace=grace, interval=interval)
