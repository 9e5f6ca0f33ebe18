"""`manage.py search_worker`: drain the indexing queue, as its own process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from search import indexing


class Command(BaseCommand):
    help = "Index queued changes continuously (one process per deployment is enough)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--exit-when-idle",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Stop once the queue has been empty this long (catch-up runs, tests).",
        )

    def handle(self, *args: Any, exit_when_idle: float | None, **options: Any) -> None:
        indexing.run_blocking(stop_after_idle=exit_when_idle)
