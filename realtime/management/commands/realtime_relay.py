"""`manage.py realtime_relay`: re-send events that were committed but never published."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from realtime.events import relay_unpublished


class Command(BaseCommand):
    help = (
        "Send realtime events left unpublished for more than --grace seconds (the process died "
        "between commit and send, or the channel layer was down). Runs until stopped; --once "
        "makes one pass. Needs a shared channel layer (REDIS_URL): with the in-memory layer "
        "it would send into its own process only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--grace", type=float, default=5.0, help="Seconds an event may stay unpublished."
        )
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between passes.")

    def handle(self, *args: Any, **options: Any) -> None:
        grace = timedelta(seconds=options["grace"])
        while True:
            sent = relay_unpublished(older_than=grace)
            if sent or options["once"]:
                self.stdout.write(f"realtime_relay: sent {sent} event(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
