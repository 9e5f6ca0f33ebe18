"""`manage.py search_rebuild`: build the search index anew from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from search.backends import get_backend


class Command(BaseCommand):
    help = "Rebuild the search index from the database (searches keep answering meanwhile)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        backend = get_backend()
        started = time.monotonic()
        last_report = [started]

        def progress(kind: str, total: int) -> None:
            now = time.monotonic()
            if now - last_report[0] >= 5:
                last_report[0] = now
                self.stdout.write(f"  {total:,} documents ({kind}), {now - started:.0f} s")

        count = backend.rebuild(batch_size=batch_size, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count:,} documents with {backend.name} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
