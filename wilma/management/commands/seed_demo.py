"""`manage.py seed_demo`: fill an empty database with the demo organisation (wilma/demo.py)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.indexing import drain
from wilma.demo import DEFAULT_SEED, build_demo, demo_data_present


class Command(BaseCommand):
    help = (
        "Build the demo organisation (Referate, about 300 employees, about 25 communities). "
        "Does nothing if departments already exist. Every demo account gets the same "
        "documented password: for local demos only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="seed even though DEBUG is off (creates a superuser with a public password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_data_present():
            self.stdout.write("Demo data already present (departments exist): nothing to do.")
            return
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "DEBUG is off: this looks like a real deployment. The demo creates a superuser "
                "with a published password; pass --allow-without-debug if you really mean it."
            )
        started = time.perf_counter()
        summary = build_demo(seed=options["seed"])
        # The search index: everything the seed created was queued; index it now, so the
        # demo is searchable from the first request.
        indexed = drain()
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Demo organisation built in {elapsed:.1f} s:"))
        width = max(len(name) for name in summary.counts)
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:<{width}}  {count:>5}")
        self.stdout.write(f"  {'search index':<{width}}  {indexed:>5}")
        self.stdout.write(f"Demo logins (password for every demo account: {summary.password}):")
        for username in summary.logins:
            self.stdout.write(f"  {username}")
        self.stdout.write(
            "Every other generated employee (vorname.nachname) has the same password."
        )
