"""`manage.py cluster`: a local production-like layout for trying out and testing: N server
processes (`manage.py serve`) sharing Redis and the database, plus the relay and the search
index worker as processes of their own. Prints each process's address; Ctrl-C (or SIGTERM)
stops them all.

Kill one server process (its pid is printed) to watch its clients move to another; stop Redis
to watch every websocket close with 4503 and come back. There is no proxy in front: clients
pick a port themselves (docs/deployment.md shows the nginx layout).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
STOP_TIMEOUT_SECONDS = 10.0


class Command(BaseCommand):
    help = (
        "Start N server processes, the relay and the search index worker against Redis "
        "(REDIS_URL) and the shared database (DATABASE_URL, PostgreSQL recommended); print "
        "their addresses; stop them all on Ctrl-C."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--processes", type=int, default=2, help="Server processes.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, default=8001, help="First port (the others follow it)."
        )
        parser.add_argument("--no-relay", action="store_true", help="Do not start the relay.")
        parser.add_argument(
            "--no-search-worker",
            action="store_true",
            help="Do not start the search index worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError("A cluster shares Redis: set REDIS_URL (e.g. in .env).")
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            self.stderr.write(
                "Warning: SQLite works for a few local processes, production uses PostgreSQL "
                "(DATABASE_URL)."
            )
        if options["processes"] < 1:
            raise CommandError("--processes must be at least 1.")
        children: list[tuple[str, subprocess.Popen[str]]] = []
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            for index in range(options["processes"]):
                port = options["port"] + index if options["port"] else 0
                name = f"web-{index + 1}"
                command = ["serve", "--host", options["host"], "--port", str(port)]
                children.append((name, self._spawn(name, command)))
            if not options["no_relay"]:
                children.append(("relay", self._spawn("relay", ["realtime_relay"])))
            if not options["no_search_worker"]:
                children.append(("search", self._spawn("search", ["search_worker"])))
            for name, child in children:
                self.stdout.write(f"cluster: {name} pid {child.pid}")
            self.stdout.write("cluster: running; Ctrl-C stops every process")
            self.stdout.flush()
            self._supervise(children, stop)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_all(children)

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[str]:
        child = subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "-u", MANAGE, *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ.copy(),
        )
        assert child.stdout is not None
        threading.Thread(target=self._pump, args=(name, child.stdout), daemon=True).start()
        return child

    def _pump(self, name: str, stream: IO[str]) -> None:
        """Each child's output, prefixed with its name (the listening lines tell the ports)."""
        for line in stream:
            self.stdout.write(f"[{name}] {line.rstrip()}")
            self.stdout.flush()

    def _supervise(self, children: list[tuple[str, subprocess.Popen[str]]], stop: Any) -> None:
        reported: set[str] = set()
        while not stop.is_set():
            for name, child in children:
                code = child.poll()
                if code is not None and name not in reported:
                    reported.add(name)
                    self.stdout.write(f"cluster: {name} (pid {child.pid}) exited with {code}")
                    self.stdout.flush()
            if len(reported) == len(children):
                return
            time.sleep(0.5)

    def _stop_all(self, children: list[tuple[str, subprocess.Popen[str]]]) -> None:
        for _name, child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for _name, child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("cluster: stopped")
