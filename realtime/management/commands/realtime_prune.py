"""`manage.py realtime_prune`: delete realtime events older than the retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from realtime.events import prune_events


class Command(BaseCommand):
    help = (
        "Delete realtime events older than WILMA_EVENT_RETENTION_HOURS (or --hours). "
        "Clients further behind are told to resync."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--hours", type=float, default=None, help="Override the retention.")

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"]
        if hours is None:
            hours = float(settings.WILMA["EVENT_RETENTION_HOURS"])
        deleted = prune_events(older_than=timedelta(hours=hours))
        self.stdout.write(f"realtime_prune: deleted {deleted} event(s) older than {hours:g} h")
