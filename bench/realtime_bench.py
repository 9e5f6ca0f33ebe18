"""Realtime benchmarks (issue #4 §5): real daphne processes, PostgreSQL, Redis, N websocket clients.

Commands (PostgreSQL only; the database name must contain "bench": each run migrates and empties
it first; ``redis-server`` must be installed)::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wilma_rt_bench
    .venv/bin/python -m bench.realtime_bench                # every scenario, ~10 minutes
    .venv/bin/python -m bench.realtime_bench bigroom storm  # some of them
    .venv/bin/python -m bench.realtime_bench profile        # py-spy on daphne in the big room

Scenarios (each starts its own daphne processes on free ports, with ``DJANGO_DEBUG=False`` and
the database settings of ``wilma/settings.py``, ``--env KEY=VALUE`` overriding; clients run in
``--client-procs`` load-generator processes, ``bench/realtime_load.py``; posts go through
``POST /api/v1/posts/`` with the authors' API tokens):

- ``baselines``: (a) the configured channel layer alone (``bench/realtime_raw.py layer``):
  one ``group_send`` to N channels of one group, time until all received; (b) a plain
  ``websockets`` server broadcasting one frame of the same size to N clients of the same
  load generator, time until the last client has it.
- ``idle``: ``--idle-clients`` connections on one daphne process, each subscribed to 5 streams
  (its ``user.<id>`` and 4 community streams, Zipf-popular): RSS per connection above the
  warmed-up empty process, and CPU of every process over ``--idle-seconds``.
- ``fanout``: ``--clients`` clients in ``--communities`` communities (Zipf sizes, every client a
  member of one and subscribed to its stream and its ``user.<id>`` stream); a random client
  posts into its community at ``--rate`` posts/s for ``--duration`` s (open loop). Latency from
  the event row's ``created_at`` (stamped inside the writing transaction, just before commit)
  to the client's receive time, and from sending the HTTP request; then every client
  re-subscribes with ``after_seq`` = its last applied seq and what it applied is compared with
  the event log (lost, duplicates, gaps). Then the rate sweep on the same process and clients
  (``--sweep-rates``, ``--sweep-duration`` s each) for the highest rate with p99 < 250 ms.
- ``bigroom``: all ``--clients`` clients in one community; ``--bigroom-posts`` posts
  ``--bigroom-interval`` s apart: time from commit to the first, median and last receiver.
- ``storm``: two daphne processes and the relay (``manage.py realtime_relay``) share Redis and
  the database; clients split across them (each lists both URLs); posts at ``--storm-rate``
  to both; after ``--storm-before`` s process A is killed (SIGKILL): time until all its clients
  are connected to B, re-subscribed with ``after_seq`` and caught up; then completeness.
- ``profile``: the big room with ``py-spy record`` attached to daphne; prints where the server
  process spends its time (by thread and by function).

Redis: a private ``redis-server`` on a free port by default (Pub/Sub channels are global to a
Redis server, so on a shared one other WILMA processes publish into the same groups);
``--shared-redis`` uses ``REDIS_URL``.

Clock: clients and server are on one machine and both use the wall clock (``time.time()`` and
Django's ``timezone.now()``), so receive time minus ``created_at`` is a latency without skew.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import math
import os
import platform
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import feed_api
from bench.feed_api import free_port, stop_process
from bench.feed_data import database_url
from bench.realtime_load import (
    ClientSpec,
    LoadGenerator,
    check_completeness,
    cpu_seconds,
    percentile,
    rss_kib,
    summarize,
)

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
LATENCY_TARGET = 0.250  # s, fan-out p99
BIGROOM_TARGET = 1.0  # s, big room time to the last receiver p99
BIGROOM_RAW_FACTOR = 10.0  # big room p99 within this factor of the raw websocket broadcast
IDLE_TARGET_KIB = 64
SCENARIOS = ("baselines", "idle", "fanout", "bigroom", "storm")
ASGI_APP = "wilma.asgi:application"
# How the servers run: `manage.py serve` (production: daphne plus serve's start-up tuning of
# the garbage collector) or plain `daphne wilma.asgi:application` (without it, to measure it).
SERVERS = ("serve", "daphne")


# --- Measuring processes and the machine ----------------------------------------------------


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU used by named processes (and the whole machine) between start() and stop()."""

    def __init__(self, pids: dict[str, list[int]]) -> None:
        self.pids = pids
        self.start_at = 0.0
        self.before: dict[str, float] = {}
        self.last_seen: dict[int, float] = {}
        self.machine_before = (0, 0)

    def _read(self) -> dict[str, float]:
        result: dict[str, float] = {}
        for name, pids in self.pids.items():
            total = 0.0
            for pid in pids:
                if pid == os.getpid():
                    times = os.times()
                    self.last_seen[pid] = times.user + times.system
                else:
                    with contextlib.suppress(OSError):  # gone: its last reading counts
                        self.last_seen[pid] = cpu_seconds(pid)
                total += self.last_seen.get(pid, 0.0)
            result[name] = total
        return result

    def sample(self) -> None:
        """Read now (before killing a process, so that its CPU time is not lost)."""
        self._read()

    def start(self) -> CpuMeter:
        self.start_at = time.monotonic()
        self.before = self._read()
        self.machine_before = machine_jiffies()
        return self

    def stop(self) -> dict[str, Any]:
        """CPU seconds per process group, their share of one core (%), and the machine's
        busy share of all its cores (%), over the window."""
        elapsed = time.monotonic() - self.start_at
        after = self._read()
        busy, total = machine_jiffies()
        machine = (busy - self.machine_before[0]) / max(1, total - self.machine_before[1]) * 100
        seconds = {name: after[name] - self.before.get(name, 0.0) for name in after}
        return {
            "elapsed": elapsed,
            "seconds": seconds,
            "percent": {name: value / elapsed * 100 for name, value in seconds.items()},
            "machine": machine,
            "load": loadavg(),
        }


def cpu_line(cpu: dict[str, Any]) -> str:
    parts = [f"{name} {pct:.0f} %" for name, pct in cpu["percent"].items()]
    return (
        f"CPU over {cpu['elapsed']:.0f} s (100 % = one core): {', '.join(parts)}; "
        f"machine {cpu['machine']:.0f} % of {os.cpu_count()} cores busy; load {cpu['load']}"
    )


def redis_pid(url: str) -> int | None:
    """The Redis server's pid when it runs on this machine (its CPU is part of the cost)."""
    import redis

    try:
        info: dict[str, Any] = redis.Redis.from_url(url).info("server")  # type: ignore[assignment]
        pid = int(info["process_id"])
    except (redis.RedisError, OSError, KeyError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}/stat").exists() else None


# --- Servers --------------------------------------------------------------------------------


def server_env(url: str, redis_url: str, extra: Sequence[str] = ()) -> dict[str, str]:
    """The feed benchmark's server environment (production-like) with this run's Redis."""
    return feed_api.server_env(url, [f"REDIS_URL={redis_url}", *extra])


class Daphne:
    """One server process serving wilma.asgi on a free port of 127.0.0.1: `manage.py serve`
    (production) or plain daphne (`--server daphne`)."""

    def __init__(
        self, env: dict[str, str], name: str, backlog: int | None = None, server: str = "serve"
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"wilma-bench-daphne-{name}-", suffix=".log", delete=False
        )
        if server == "serve":
            command = ["manage.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            command += ["--no-background", *(["--backlog", str(backlog)] if backlog else [])]
        elif backlog:
            bind = ["-e", f"tcp:port={self.port}:interface=127.0.0.1:backlog={backlog}"]
            command = ["-m", "daphne", "-v", "0", *bind, ASGI_APP]
        else:
            command = ["-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(self.port)]
            command += [ASGI_APP]
        self.proc = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v1/"

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"daphne exited with {self.proc.returncode}; log {self.log.name}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
            if time.monotonic() > deadline:
                raise SystemExit(f"daphne did not become healthy; log {self.log.name}")
            time.sleep(0.2)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


class PrivateRedis:
    """A redis-server of the benchmark's own on a free port, without persistence. Redis
    Pub/Sub channels are global to a server (``SELECT``-ed database numbers do not separate
    them), so on a shared Redis every other WILMA process publishes into the same groups."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--maxclients", "20000", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("the private redis-server did not start") from None
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        stop_process(self.proc)


class Relay:
    """``manage.py realtime_relay`` as its own process (the production layout)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="wilma-bench-relay-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "realtime_relay"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


class RawServer:
    """The plain websockets broadcast server of ``bench/realtime_raw.py``."""

    def __init__(self, frame_bytes: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.realtime_raw", "ws-server", "--frame-bytes",
             str(frame_bytes)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        info = self.call(None)
        self.port = int(info["port"])

    def call(self, command: dict[str, Any] | None) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if command is not None:
            self.proc.stdin.write(json.dumps(command) + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the raw websockets server died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stop(self) -> None:
        with contextlib.suppress(OSError, SystemExit, ValueError):
            self.call({"cmd": "stop"})
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def running(*things: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for thing in reversed(things):
            with contextlib.suppress(Exception):
                thing.stop()


# --- Data -----------------------------------------------------------------------------------


def zipf_sizes(total: int, k: int, s: float = 1.0) -> list[int]:
    """``total`` split into ``k`` sizes proportional to 1/rank^s (largest remainder), each >= 1."""
    if k <= 0 or total < k:
        raise ValueError("need total >= k > 0")
    weights = [1 / (rank**s) for rank in range(1, k + 1)]
    scale = (total - k) / sum(weights)
    exact = [w * scale for w in weights]
    sizes = [1 + math.floor(x) for x in exact]
    rest = total - sum(sizes)
    by_remainder = sorted(range(k), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    for i in by_remainder[:rest]:
        sizes[i] += 1
    return sizes


@dataclass
class Population:
    employees: list[int]  # ids, in creation order
    tokens: dict[int, str]
    communities: list[tuple[int, str]]  # (id, slug) by rank, the largest first
    home: dict[int, tuple[int, str]]  # live client -> its community (id, slug)
    big_room: tuple[int, str]
    idle_streams: dict[int, list[str]]

    @property
    def live(self) -> list[int]:
        return [e for e in self.employees if e in self.home]


BODY_WORDS = [
    "Bürgerbüro", "Kreisverwaltungsreferat", "Schulweg", "Öffnungszeiten", "Dienstgebäude",
    "Sitzung", "Stadtrat", "Antrag", "Haushalt", "Baureferat", "Mobilität", "Radweg",
    "Personalversammlung", "Schulung", "Digitalisierung", "Wohnungsbau", "Termin", "Protokoll",
    "Rathaus", "Umwelt", "Klimaschutz", "Kita", "Ausschuss",
]  # fmt: skip


def post_body(rng: random.Random, n: int) -> str:
    words = [rng.choice(BODY_WORDS) for _ in range(48)]
    return f"Beitrag {n}: " + " ".join(words) + "."


def prepare_data(args: argparse.Namespace) -> Population:
    """Empty the bench database and create employees, communities, memberships and tokens."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from communities.models import Community, Membership
    from people.models import Employee
    from people.services import create_api_token

    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        raise SystemExit(f"refusing to empty database {name!r}: its name lacks 'bench'")
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    n = max(args.clients, args.idle_clients)
    unusable = make_password(None)
    Employee.objects.bulk_create(
        [
            Employee(
                username=f"rtb{i:05d}",
                first_name="Bench",
                last_name=f"Nutzer {i}",
                email=f"rtb{i:05d}@bench.invalid",
                password=unusable,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    employees = list(Employee.objects.order_by("id").values_list("id", flat=True))
    creator = employees[0]
    Community.objects.bulk_create(
        [
            Community(
                name=f"Bench-Community {rank}",
                slug=f"rtb-c{rank:03d}",
                visibility="public",
                join_policy="open",
                created_by_id=creator,
            )
            for rank in range(1, args.communities + 1)
        ]
        + [
            Community(
                name="Bench: großer Raum",
                slug="rtb-grosser-raum",
                visibility="public",
                join_policy="open",
                created_by_id=creator,
            )
        ]
    )
    rows = list(Community.objects.order_by("id").values_list("id", "slug"))
    communities, big_room = rows[:-1], rows[-1]
    live = employees[: args.clients]
    shuffled = live[:]
    rng.shuffle(shuffled)
    home: dict[int, tuple[int, str]] = {}
    memberships = []
    offset = 0
    for (community_id, slug), size in zip(
        communities, zipf_sizes(len(live), len(communities)), strict=True
    ):
        for employee_id in shuffled[offset : offset + size]:
            home[employee_id] = (community_id, slug)
            memberships.append(Membership(community_id=community_id, employee_id=employee_id))
        offset += size
    memberships += [Membership(community_id=big_room[0], employee_id=e) for e in live]
    Membership.objects.bulk_create(memberships, batch_size=2000)
    weights = [1 / rank for rank in range(1, len(communities) + 1)]
    idle_streams: dict[int, list[str]] = {}
    for employee_id in employees[: args.idle_clients]:
        picked: set[int] = set()
        while len(picked) < min(4, len(communities)):
            picked.add(rng.choices(range(len(communities)), weights)[0])
        idle_streams[employee_id] = [f"user.{employee_id}"] + [
            f"community.{communities[i][0]}" for i in sorted(picked)
        ]
    tokens: dict[int, str] = {}
    by_id = Employee.objects.in_bulk(employees)
    with transaction.atomic():
        for employee_id in employees:
            _token, secret = create_api_token(employee=by_id[employee_id], name="bench")
            tokens[employee_id] = secret
    sizes = Counter(c for c, _slug in home.values())
    top = sorted(sizes.values(), reverse=True)
    print(
        f"data: {len(employees):,} employees, {len(communities)} communities (Zipf sizes "
        f"{top[0]}, {top[1]}, {top[2]} ... {top[-1]}; {len(live):,} members) + one room of "
        f"{len(live):,}, {len(tokens):,} API tokens ({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    return Population(employees, tokens, communities, home, big_room, idle_streams)


def frame_bytes_of_a_post(population: Population) -> int:
    """The size of a real ``post.created`` frame: one post created in-process inside a
    transaction that is rolled back (so nothing is published)."""
    from django.db import transaction

    from communities.models import Community
    from feed.services import create_post
    from people.models import Employee
    from realtime.events import frame
    from realtime.models import Event

    employee_id = population.live[0]
    community_id = population.home[employee_id][0]
    with transaction.atomic():
        post = create_post(
            author=Employee.objects.get(pk=employee_id),
            community=Community.objects.get(pk=community_id),
            body=post_body(random.Random(0), 0),
        )
        event = Event.objects.filter(subject=f"post.{post.pk}").get()
        size = len(frame(event.stream, event.seq, event.type, event.payload).encode())
        transaction.set_rollback(True)
    return size


# --- Posting through the API ----------------------------------------------------------------


@dataclass
class PostResult:
    sent: float
    answered: float
    status: int
    post_id: int | None
    port: int
    late: float  # how far behind its schedule the request left (open loop)


class Poster:
    """Posts through ``POST /api/v1/posts/`` as the authors (their API tokens), from a pool of
    threads with one keep-alive connection per thread and server; a failed connection fails
    over to the next server."""

    def __init__(self, ports: Sequence[int], tokens: dict[int, str], threads: int = 8) -> None:
        self.ports = list(ports)
        self.tokens = tokens
        self.threads = threads
        self.local = threading.local()
        self.rng = random.Random(7)
        self.counter = 0
        self.lock = threading.Lock()

    def _connection(self, port: int) -> http.client.HTTPConnection:
        conns: dict[int, http.client.HTTPConnection] = getattr(self.local, "conns", {})
        self.local.conns = conns
        if port not in conns:
            conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        return conns[port]

    def post(self, author: int, slug: str, first_port: int = 0, late: float = 0.0) -> PostResult:
        with self.lock:
            self.counter += 1
            body = post_body(self.rng, self.counter)
        payload = json.dumps({"community": slug, "body": body})
        headers = {
            "Authorization": f"Bearer {self.tokens[author]}",
            "Content-Type": "application/json",
        }
        sent = time.time()
        for attempt in range(2 * len(self.ports)):
            port = self.ports[(first_port + attempt // 2) % len(self.ports)]
            conn = self._connection(port)
            try:
                conn.request("POST", f"{API}/posts/", body=payload, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conns.pop(port, None)
                continue
            post_id = json.loads(data).get("id") if response.status == 201 else None
            return PostResult(sent, time.time(), response.status, post_id, port, late)
        return PostResult(sent, time.time(), 0, None, -1, late)

    def run(
        self,
        rate: float,
        duration: float,
        choose: Callable[[], tuple[int, str]],
        stop: threading.Event | None = None,
    ) -> list[PostResult]:
        """Open loop: request i leaves at start + i / rate whether or not earlier ones were
        answered (up to ``threads`` in flight), alternating over the servers."""
        count = int(rate * duration)
        futures: list[Future[PostResult]] = []
        with ThreadPoolExecutor(self.threads) as pool:
            start = time.monotonic()
            for i in range(count):
                if stop is not None and stop.is_set():
                    break
                due = start + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                author, slug = choose()
                late = max(0.0, time.monotonic() - due)
                futures.append(pool.submit(self.post, author, slug, i % len(self.ports), late))
        return [f.result() for f in futures]


# --- Analysis -------------------------------------------------------------------------------


@dataclass
class Window:
    """The events created in one measured phase and when their posts were sent."""

    commit: dict[tuple[str, int], float] = field(default_factory=dict)
    sent: dict[tuple[str, int], float] = field(default_factory=dict)


def events_since(marker: int, posts: Sequence[PostResult]) -> Window:
    from realtime.models import Event

    sent_by_post = {p.post_id: p.sent for p in posts if p.post_id is not None}
    window = Window()
    for stream, seq, created_at, subject in Event.objects.filter(pk__gt=marker).values_list(
        "stream", "seq", "created_at", "subject"
    ):
        key = (stream, seq)
        window.commit[key] = created_at.timestamp()
        if subject.startswith("post."):
            sent = sent_by_post.get(int(subject.split(".", 1)[1]))
            if sent is not None:
                window.sent[key] = sent
    return window


def event_marker() -> int:
    from realtime.models import Event

    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def event_log(streams: set[str]) -> dict[str, list[int]]:
    from realtime.models import Event

    log: dict[str, list[int]] = defaultdict(list)
    for stream, seq in Event.objects.filter(stream__in=streams).values_list("stream", "seq"):
        log[stream].append(seq)
    return log


@dataclass
class Latencies:
    commit: list[float]  # receive - created_at, per delivery (s)
    send: list[float]  # receive - HTTP request sent, per delivery (s)
    deliveries: int
    expected: int  # deliveries the subscriptions should have received live
    per_event_last: dict[tuple[str, int], float]  # last receive - created_at per event
    per_event_first: dict[tuple[str, int], float]
    per_event_median: dict[tuple[str, int], float]
    receivers: dict[tuple[str, int], int]


def latencies(clients: Sequence[dict[str, Any]], window: Window, until: float) -> Latencies:
    """Per delivery of a window's events received live (before ``until``, when the
    completeness re-subscription started)."""
    subscribers: dict[str, list[int]] = defaultdict(list)  # stream -> start seqs
    received: dict[tuple[str, int], list[float]] = defaultdict(list)
    for client in clients:
        for stream, info in client["streams"].items():
            if info["start"] is not None:
                subscribers[stream].append(info["start"])
            for seq, at in info["recv"]:
                key = (stream, seq)
                if key in window.commit and at < until:
                    received[key].append(at)
    commit, send = [], []
    last, first, median, receivers = {}, {}, {}, {}
    for key, times in received.items():
        committed = window.commit[key]
        commit.extend(t - committed for t in times)
        if key in window.sent:
            send.extend(t - window.sent[key] for t in times)
        last[key] = max(times) - committed
        first[key] = min(times) - committed
        median[key] = statistics.median(times) - committed
        receivers[key] = len(times)
    expected = sum(
        sum(1 for start in subscribers.get(stream, ()) if start < seq)
        for stream, seq in window.commit
    )
    return Latencies(
        commit, send, len(commit), expected, last, first, median, receivers
    )  # fmt: skip


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    value *= 1000
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def row(name: str, samples: Sequence[float], extra: str = "") -> str:
    s = summarize(samples)
    return (
        f"| {name} | {s['n']:,} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['p99'])} "
        f"| {ms(s['max'])} |{extra}"
    )


LAT_HEADER = "| measure | n | p50 ms | p95 ms | p99 ms | max ms |"
LAT_RULE = "|---|---:|---:|---:|---:|---:|"


@dataclass
class Check:
    target: str
    value: str
    ok: bool


@dataclass
class Run:
    args: argparse.Namespace
    env: dict[str, str]
    population: Population
    frame_bytes: int
    redis_pid: int | None
    checks: list[Check] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def app(self) -> str:
        return str(self.args.server)

    def check(self, target: str, value: str, ok: bool) -> None:
        self.checks.append(Check(target, value, ok))
        print(f"  target: {target}: {value} -> {'PASS' if ok else 'FAIL'}", flush=True)

    def meter(self, **pids: list[int]) -> CpuMeter:
        groups = {name: p for name, p in pids.items() if p}
        groups["driver"] = [os.getpid()]
        if self.redis_pid:
            groups["redis"] = [self.redis_pid]
        return CpuMeter(groups)


def connect_clients(
    run: Run, specs: Sequence[ClientSpec], *, jitter: float = 0.0
) -> tuple[LoadGenerator, float]:
    generator = LoadGenerator(run.args.client_procs)
    t0 = time.monotonic()
    generator.start(
        specs,
        concurrency=run.args.connect_concurrency,
        jitter=jitter,
        open_timeout=run.args.open_timeout,
    )
    result = generator.wait("caught_up", timeout=run.args.connect_timeout)
    elapsed = time.monotonic() - t0
    if not result["ok"]:
        stats = generator.stats()
        generator.stop()
        raise SystemExit(f"only {result['ready']} of {len(specs)} clients subscribed: {stats}")
    return generator, elapsed


def live_specs(run: Run, urls: Callable[[int], list[str]]) -> list[ClientSpec]:
    population = run.population
    return [
        ClientSpec(
            id=employee_id,
            urls=urls(i),
            streams=[f"community.{population.home[employee_id][0]}", f"user.{employee_id}"],
            token=population.tokens[employee_id],
        )
        for i, employee_id in enumerate(population.live)
    ]


# --- Scenarios ------------------------------------------------------------------------------


def scenario_baselines(run: Run) -> None:
    args = run.args
    n = args.clients
    print(f"\n## Baselines (N = {n:,}; load {loadavg()})\n", flush=True)
    layer = subprocess.run(
        [sys.executable, "-m", "bench.realtime_raw", "layer", "--receivers", str(n),
         "--rounds", str(args.baseline_rounds), "--frame-bytes", str(run.frame_bytes)],
        cwd=ROOT, env={**os.environ, **run.env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    layer_result = json.loads(layer.stdout.strip().splitlines()[-1])
    layer_last = [r["last"] for r in layer_result["rounds"] if r["received"] == n]
    layer_us = layer_result["cpu"] / max(1, layer_result["deliveries"]) * 1e6

    server = RawServer(run.frame_bytes)
    url = f"ws://127.0.0.1:{server.port}/"
    specs = [ClientSpec(id=i, urls=[url], streams=["raw"]) for i in range(n)]
    generator = LoadGenerator(args.client_procs)
    with running(server, generator):
        generator.start(specs, concurrency=args.connect_concurrency)
        if not generator.wait("open", 60)["ok"]:
            raise SystemExit("raw websocket clients did not all connect")
        sent: dict[int, float] = {}
        meter = run.meter(server=[server.proc.pid], clients=generator.pids).start()
        for seq in range(1, args.baseline_rounds + 2):
            answer = server.call({"cmd": "broadcast", "seq": seq})
            sent[seq] = answer["sent_at"]
            time.sleep(args.baseline_pause)
        cpu = meter.stop()
        time.sleep(0.5)
        clients = generator.dump()
    last: list[float] = []
    for seq in range(2, args.baseline_rounds + 2):
        times = [dict(map(tuple, c["streams"]["raw"]["recv"])).get(seq) for c in clients]
        got = [t for t in times if t is not None]
        if len(got) == n:
            last.append(max(got) - sent[seq])
    # The server's CPU over all rounds (per-round readings are too coarse: 10 ms ticks).
    ws_us = cpu["seconds"]["server"] / max(1, n * (args.baseline_rounds + 1)) * 1e6
    client_us = cpu["seconds"]["clients"] / max(1, n * (args.baseline_rounds + 1)) * 1e6
    print("| baseline: time until the last of N receivers has it | rounds | p50 ms | p95 ms "
          "| p99 ms | max ms | server CPU per delivery |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(row(f"(a) channel layer group_send ({layer_result['backend'].rsplit('.', 1)[-1]})",
              layer_last, f" {layer_us:.1f} us |"))  # fmt: skip
    print(row("(b) plain websockets broadcast", last, f" {ws_us:.1f} us |"))
    print(
        f"\nFrames of {run.frame_bytes} bytes (the size of a real post.created frame); "
        f"(a) in one process with its own receivers; (b) client CPU {client_us:.0f} us per "
        f"delivery, {args.client_procs} client process(es).\n{cpu_line(cpu)}"
    )
    run.results["baselines"] = {
        "layer": summarize(layer_last) | {"cpu_us_per_delivery": layer_us},
        "websockets": summarize(last) | {"cpu_us_per_delivery": ws_us},
        "client_us_per_delivery": client_us,
        "cpu": cpu,
    }


def scenario_idle(run: Run) -> None:
    args = run.args
    population = run.population
    n = args.idle_clients
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(f"\n## Idle capacity ({n:,} connections x 5 streams; ulimit -n {soft}/{hard}; "
          f"load {loadavg()})\n", flush=True)  # fmt: skip
    daphne = Daphne(run.env, "idle", args.backlog, run.app)
    with running(daphne):
        # Warm up: HTTP, token auth, consumer code, thread pool, channel layer connection.
        warm_ids = population.employees[:20]
        warm = LoadGenerator(1)
        with running(warm):
            warm.start(
                [
                    ClientSpec(e, [daphne.url], population.idle_streams[e], population.tokens[e])
                    for e in warm_ids
                ]
            )
            if not warm.wait("caught_up", 60)["ok"]:
                raise SystemExit("warm-up clients did not subscribe")
        time.sleep(2)
        empty = statistics.median(rss_samples(daphne.pid))
        specs = [
            ClientSpec(e, [daphne.url], population.idle_streams[e], population.tokens[e])
            for e in population.employees[:n]
        ]
        generator, connect_time = connect_clients(run, specs)
        with running(generator):
            time.sleep(3)
            full = statistics.median(rss_samples(daphne.pid))
            meter = run.meter(daphne=[daphne.pid], clients=generator.pids).start()
            time.sleep(args.idle_seconds)
            cpu = meter.stop()
            after = statistics.median(rss_samples(daphne.pid))
            client_rss = sum(rss_kib(pid) for pid in generator.pids)
            stats = generator.stats()
    per_conn = (full - empty) / n
    print("| measure | value |")
    print("|---|---:|")
    print(f"| daphne RSS, empty (warmed up) | {empty / 1024:.1f} MiB |")
    print(f"| daphne RSS, {n:,} connections subscribed | {full / 1024:.1f} MiB |")
    print(f"| daphne RSS after {args.idle_seconds:.0f} s idle | {after / 1024:.1f} MiB |")
    print(f"| RSS per connection above the empty process | {per_conn:.1f} KiB |")
    rate = n * 5 / connect_time
    print(
        f"| connect + 5 subscriptions, all {n:,} ({args.connect_concurrency} handshakes at "
        f"a time) | {connect_time:.1f} s ({rate:.0f} subscriptions/s) |"
    )
    print(f"| daphne CPU while idle | {cpu['percent']['daphne']:.1f} % of a core |")
    print(f"| client processes CPU while idle | {cpu['percent']['clients']:.1f} % "
          f"(RSS {client_rss / 1024:.0f} MiB) |")  # fmt: skip
    print(f"| errors / resyncs / reconnects | {stats['errors']} / {stats['resyncs']} / "
          f"{stats['reconnects']} |")  # fmt: skip
    print(f"\n{cpu_line(cpu)}")
    run.results["idle"] = {
        "rss_empty_kib": empty, "rss_full_kib": full, "rss_after_kib": after,
        "per_connection_kib": per_conn, "connect_seconds": connect_time, "cpu": cpu,
    }  # fmt: skip
    run.check(
        f"idle: RSS per connection <= {IDLE_TARGET_KIB} KiB",
        f"{per_conn:.1f} KiB",
        per_conn <= IDLE_TARGET_KIB,
    )


def rss_samples(pid: int, count: int = 3) -> list[int]:
    samples = []
    for _ in range(count):
        samples.append(rss_kib(pid))
        time.sleep(0.5)
    return samples


def scenario_fanout(run: Run) -> None:
    args = run.args
    population = run.population
    live = population.live
    print(
        f"\n## Live fan-out ({len(live):,} clients, {args.communities} communities, "
        f"{args.rate:g} posts/s for {args.duration:g} s; load {loadavg()})\n",
        flush=True,
    )
    daphne = Daphne(run.env, "fanout", args.backlog, run.app)
    with running(daphne):
        generator, connect_time = connect_clients(run, live_specs(run, lambda _i: [daphne.url]))
        with running(generator):
            print(f"  {len(live):,} clients subscribed in {connect_time:.1f} s", flush=True)
            poster = Poster([daphne.port], population.tokens, args.post_threads)
            rng = random.Random(args.seed + 1)

            def choose() -> tuple[int, str]:
                author = rng.choice(live)
                return author, population.home[author][1]

            poster.run(args.rate, min(3.0, args.duration), choose)  # warm-up, not measured
            time.sleep(1)
            main = measure_rate(run, daphne, generator, poster, choose, args.rate, args.duration)
            verify_started = time.time()
            verify = generator.resubscribe(timeout=120)
            clients = generator.dump()
            complete = check_completeness(
                clients, event_log({s for c in clients for s in c["streams"]})
            )
            lat = main["latencies"]
            print(LAT_HEADER)
            print(LAT_RULE)
            print(row("commit (event created_at) -> received", lat.commit))
            print(row("HTTP request sent -> received", lat.send))
            print(row("HTTP POST round trip", main["http"]))
            print(row("commit -> last receiver, per post", list(lat.per_event_last.values())))
            slow = sorted(
                (window_commit - main["started"], last)
                for (key, last) in lat.per_event_last.items()
                if last > 0.2
                for window_commit in [main["window"].commit[key]]
            )
            if slow:
                print(
                    f"\nPosts whose last receiver took > 200 ms ({len(slow)}), as (s after the "
                    "start, ms): " + ", ".join(f"({t:.1f}, {v * 1000:.0f})" for t, v in slow[:40])
                )
            fanout_mean = lat.deliveries / max(1, len(lat.per_event_last))
            print(
                f"\n{main['posts_ok']:,} posts ({main['achieved']:.2f}/s achieved; "
                f"{main['failed']} failed), mean fan-out {fanout_mean:.0f} subscribers, "
                f"{lat.deliveries:,} deliveries ({lat.deliveries / args.duration:.0f}/s), "
                f"daphne CPU {main['cpu']['seconds']['daphne'] / max(1, lat.deliveries) * 1e6:.0f} "
                f"us per delivery (including the HTTP posts).\n{cpu_line(main['cpu'])}"
            )
            print(
                f"\nCompleteness: every client re-subscribed with after_seq = its last applied "
                f"seq ({verify['resubscribed']:,} clients, all caught up: {verify['ok']}, "
                f"{verify['elapsed']:.1f} s): {complete.streams_checked:,} subscriptions, "
                f"{complete.expected:,} events expected, {complete.lost} lost, "
                f"{complete.duplicates} duplicates dropped by clients, {complete.gaps} gaps "
                f"seen, {complete.resyncs} resyncs; {lat.expected - lat.deliveries} deliveries "
                f"still missing before the final re-subscription."
            )
            if complete.lost_examples:
                print(f"  lost (client, stream, seq), first ones: {complete.lost_examples}")
            p99 = percentile(lat.commit, 99)
            run.check(
                f"fan-out at {args.rate:g}/s: commit -> receive p99 < 250 ms",
                f"{ms(p99)} ms",
                p99 < LATENCY_TARGET,
            )
            run.check(
                "fan-out: lost / duplicated events after replay = 0 / 0",
                f"{complete.lost} / {complete.duplicates}",
                complete.lost == 0 and complete.duplicates == 0 and verify["ok"],
            )
            run.results["fanout"] = {
                "commit": summarize(lat.commit), "send": summarize(lat.send),
                "http": summarize(main["http"]), "deliveries": lat.deliveries,
                "lost": complete.lost, "duplicates": complete.duplicates, "gaps": complete.gaps,
                "cpu": main["cpu"], "verify_started": verify_started,
            }  # fmt: skip
            if args.sweep_rates:
                sweep(run, daphne, generator, poster, choose)


def measure_rate(
    run: Run,
    daphne: Daphne,
    generator: LoadGenerator,
    poster: Poster,
    choose: Callable[[], tuple[int, str]],
    rate: float,
    duration: float,
) -> dict[str, Any]:
    marker = event_marker()
    meter = run.meter(daphne=[daphne.pid], clients=generator.pids).start()
    started = time.monotonic()
    started_at = time.time()
    posts = poster.run(rate, duration, choose)
    elapsed = time.monotonic() - started
    cpu = meter.stop()
    time.sleep(run.args.settle)
    until = time.time()
    clients = generator.dump()
    window = events_since(marker, posts)
    ok = [p for p in posts if p.status == 201]
    return {
        "latencies": latencies(clients, window, until),
        "http": [p.answered - p.sent for p in ok],
        "posts_ok": len(ok),
        "failed": len(posts) - len(ok),
        "achieved": len(ok) / elapsed,
        "elapsed": elapsed,
        "late_p99": percentile([p.late for p in posts], 99),
        "cpu": cpu,
        "window": window,
        "started": started_at,
    }


def sweep(
    run: Run,
    daphne: Daphne,
    generator: LoadGenerator,
    poster: Poster,
    choose: Callable[[], tuple[int, str]],
) -> None:
    args = run.args
    print(f"\n### Rate sweep ({args.sweep_duration:g} s per rate; same process and clients)\n")
    print(
        "| posts/s asked | achieved | deliveries/s | p50 ms | p95 ms | p99 ms | not yet "
        "delivered | HTTP p50 ms | daphne CPU | us/delivery | clients CPU | machine | load "
        "| p99 < 250 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows: list[dict[str, Any]] = []
    rates = list(args.sweep_rates)
    best: dict[str, Any] | None = None
    bisected = False
    while rates:
        rate = rates.pop(0)
        result = measure_rate(run, daphne, generator, poster, choose, rate, args.sweep_duration)
        lat = result["latencies"]
        p = summarize(lat.commit)
        deliveries = lat.deliveries / result["elapsed"]
        missing = lat.expected - lat.deliveries
        ok = (
            p["p99"] < LATENCY_TARGET
            and result["achieved"] >= 0.9 * rate
            and missing == 0
            and result["failed"] == 0
        )
        cpu = result["cpu"]
        us = cpu["seconds"]["daphne"] / max(1, lat.deliveries) * 1e6
        print(
            f"| {rate:g} | {result['achieved']:.1f} | {deliveries:.0f} | {ms(p['p50'])} "
            f"| {ms(p['p95'])} | {ms(p['p99'])} | {missing} | {ms(percentile(result['http'], 50))} "
            f"| {cpu['percent']['daphne']:.0f} % | {us:.0f} | {cpu['percent']['clients']:.0f} % "
            f"| {cpu['machine']:.0f} % | {cpu['load']} | {'yes' if ok else 'no'} |",
            flush=True,
        )
        entry = {"rate": rate, "achieved": result["achieved"], "deliveries_per_s": deliveries,
                 "latency": p, "missing": missing, "ok": ok, "cpu": cpu, "us": us}  # fmt: skip
        rows.append(entry)
        saturated = (
            result["achieved"] < 0.9 * rate or p["p50"] > 1.0 or missing > 0 or result["failed"]
        )
        if ok and (best is None or deliveries > best["deliveries_per_s"]):
            best = entry
        if saturated or not rates:
            # Past the last rate that passed: look once between it and the first failure.
            passed = [r["rate"] for r in rows if r["ok"]]
            failed = [r["rate"] for r in rows if not r["ok"] and r["rate"] > max(passed, default=0)]
            low, high = max(passed, default=0.0), min(failed, default=0.0)
            if passed and failed and not bisected and high - low > 2:
                rates = [round((low + high) / 2, 1)]
                bisected = True
            elif saturated:
                break
    run.results["sweep"] = rows
    raw = run.results.get("baselines", {})
    if best is None:
        run.check("sweep: a rate with p99 < 250 ms", "none", False)
        return
    line = (
        f"\nHighest rate with p99 < 250 ms: {best['achieved']:.1f} posts/s = "
        f"{best['deliveries_per_s']:.0f} deliveries/s on one daphne process "
        f"({best['us']:.0f} us of daphne CPU per delivery, HTTP posts included)."
    )
    ws_us = raw.get("websockets", {}).get("cpu_us_per_delivery", 0.0)
    layer_us = raw.get("layer", {}).get("cpu_us_per_delivery", 0.0)
    if ws_us > 0 and layer_us > 0:  # too few baseline rounds measure 0 (10 ms CPU ticks)
        line += (
            f" Raw server CPU per delivery: websockets broadcast {ws_us:.1f} us "
            f"(a core would deliver {1e6 / ws_us:,.0f}/s), channel layer {layer_us:.1f} us; "
            f"daphne costs {best['us'] / ws_us:.0f}x the websockets server and "
            f"{best['us'] / layer_us:.0f}x the bare channel layer per delivery."
        )
    print(line)
    run.results["sweep_best"] = best


def scenario_bigroom(run: Run, profile: bool = False) -> None:
    args = run.args
    population = run.population
    live = population.live
    room_id, room_slug = population.big_room
    title = "Profile: big room" if profile else "Big room"
    print(f"\n## {title} ({len(live):,} clients in one community, {args.bigroom_posts} posts "
          f"{args.bigroom_interval:g} s apart; load {loadavg()})\n", flush=True)  # fmt: skip
    daphne = Daphne(run.env, "bigroom", args.backlog, run.app)
    with running(daphne):
        specs = [
            ClientSpec(e, [daphne.url], [f"community.{room_id}"], population.tokens[e])
            for e in live
        ]
        generator, connect_time = connect_clients(run, specs)
        with running(generator):
            print(f"  {len(live):,} clients subscribed in {connect_time:.1f} s", flush=True)
            poster = Poster([daphne.port], population.tokens, 1)
            rng = random.Random(args.seed + 2)
            for _ in range(3):  # warm-up
                poster.post(rng.choice(live), room_slug)
                time.sleep(args.bigroom_interval)
            spy = start_py_spy(daphne.pid, args) if profile else None
            marker = event_marker()
            meter = run.meter(daphne=[daphne.pid], clients=generator.pids).start()
            posts: list[PostResult] = []
            for _ in range(args.bigroom_posts):
                due = time.monotonic() + args.bigroom_interval
                posts.append(poster.post(rng.choice(live), room_slug))
                time.sleep(max(0.0, due - time.monotonic()))
            cpu = meter.stop()
            time.sleep(run.args.settle)
            clients = generator.dump()
            profile_path = stop_py_spy(spy) if spy else None
    window = events_since(marker, posts)
    lat = latencies(clients, window, time.time())
    last = list(lat.per_event_last.values())
    full = sum(1 for count in lat.receivers.values() if count == len(live))
    print(LAT_HEADER)
    print(LAT_RULE)
    print(row("commit -> first receiver, per post", list(lat.per_event_first.values())))
    print(row("commit -> median receiver, per post", list(lat.per_event_median.values())))
    print(row("commit -> last receiver, per post", last))
    print(row("HTTP sent -> received, per delivery", lat.send))
    us = cpu["seconds"]["daphne"] / max(1, lat.deliveries) * 1e6
    print(f"\n{len(window.commit)} posts, {full} reached all {len(live):,} clients; "
          f"{lat.deliveries:,} deliveries; daphne CPU {us:.0f} us per delivery "
          f"(HTTP post included).\n{cpu_line(cpu)}")  # fmt: skip
    if profile_path:
        summarize_profile(profile_path)
        return
    raw = run.results.get("baselines")
    p99 = percentile(last, 99)
    run.results["bigroom"] = {"last": summarize(last), "us_per_delivery": us, "cpu": cpu}
    run.check("big room: commit -> last receiver p99 < 1 s", f"{ms(p99)} ms", p99 < BIGROOM_TARGET)
    if raw:
        raw_p99 = raw["websockets"]["p99"]
        ratio = p99 / raw_p99
        p50_ratio = percentile(last, 50) / raw["websockets"]["p50"]
        cpu_ratio = us / max(raw["websockets"]["cpu_us_per_delivery"], 1e-3)
        print(
            f"  ratio to the raw websockets broadcast (time to the last of {len(live):,}): "
            f"p50 {p50_ratio:.1f}x, p99 {ratio:.1f}x; server CPU per delivery {cpu_ratio:.0f}x"
        )
        run.check(
            f"big room: p99 within {BIGROOM_RAW_FACTOR:g}x the raw websockets broadcast",
            f"{ratio:.1f}x ({ms(p99)} vs {ms(raw_p99)} ms)",
            ratio <= BIGROOM_RAW_FACTOR,
        )
    if full < len(window.commit):
        run.check("big room: every post reached every client", f"{full}/{len(window.commit)}",
                  False)  # fmt: skip


def scenario_storm(run: Run) -> None:
    args = run.args
    population = run.population
    live = population.live
    print(f"\n## Reconnect storm (2 daphne processes + relay, {len(live):,} clients split, "
          f"{args.storm_rate:g} posts/s, kill A after {args.storm_before:g} s, "
          f"reconnect jitter {args.storm_jitter:g} s; load {loadavg()})\n", flush=True)  # fmt: skip
    a = Daphne(run.env, "A", args.backlog, run.app)
    b = Daphne(run.env, "B", args.backlog, run.app)
    relay = Relay(run.env)
    with running(a, b, relay):
        specs = live_specs(run, lambda i: [a.url, b.url] if i % 2 == 0 else [b.url, a.url])
        generator, connect_time = connect_clients(run, specs, jitter=args.storm_jitter)
        with running(generator):
            print(f"  {len(live):,} clients subscribed in {connect_time:.1f} s", flush=True)
            poster = Poster([a.port, b.port], population.tokens, args.post_threads)
            rng = random.Random(args.seed + 3)

            def choose() -> tuple[int, str]:
                author = rng.choice(live)
                return author, population.home[author][1]

            marker = event_marker()
            results: list[PostResult] = []
            total = args.storm_before + args.storm_after
            meter = run.meter(A=[a.pid], B=[b.pid], clients=generator.pids).start()
            thread = threading.Thread(
                target=lambda: results.extend(poster.run(args.storm_rate, total, choose))
            )
            thread.start()
            time.sleep(args.storm_before)
            meter.sample()
            killed_at = time.time()
            a.kill()
            time.sleep(0.5)
            back = generator.wait("caught_up", timeout=args.connect_timeout)
            thread.join()
            cpu = meter.stop()
            time.sleep(args.settle)
            until = time.time()
            verify = generator.resubscribe(timeout=120)
            clients = generator.dump()
    window = events_since(marker, results)
    lat = latencies(clients, window, until)
    complete = check_completeness(clients, event_log({s for c in clients for s in c["streams"]}))
    moved = [c for c in clients if any(t >= killed_at for t in c["disconnects"])]
    opened, subscribed, caught = [], [], []
    not_back = 0
    for client in moved:
        after = [c for c in client["connects"] if c[1] >= killed_at]
        if not after or after[0][3] is None:
            not_back += 1
            continue
        opened.append(after[0][1] - killed_at)
        subscribed.append((after[0][2] or after[0][1]) - killed_at)
        caught.append(after[0][3] - killed_at)
    if caught:
        slowest = max(
            (c for c in moved if any(x[1] >= killed_at and x[3] for x in c["connects"])),
            key=lambda c: next(x[3] for x in c["connects"] if x[1] >= killed_at),
        )
        print(
            "  slowest client: connects (url, opened, subscribed, caught up; s after the kill) "
            + str(
                [
                    [x[0]] + [round(t - killed_at, 3) if t else None for t in x[1:]]
                    for x in slowest["connects"]
                ]
            )
            + "; streams (start, target, last) "
            + str({k: (v["start"], v["target"], v["last"]) for k, v in slowest["streams"].items()})
        )
    ok_posts = [p for p in results if p.status == 201]
    print("| after the kill (per client of A) | n | p50 ms | p95 ms | p99 ms | max ms |")
    print(LAT_RULE)
    print(row("websocket open again (on B)", opened))
    print(row("every stream re-subscribed (after_seq)", subscribed))
    print(row("replay done, caught up", caught))
    print()
    print(LAT_HEADER)
    print(LAT_RULE)
    print(row("commit -> received, whole run", lat.commit))
    failures = sum(c["connect_failures"] for c in clients)
    print(
        f"\n{len(moved)} clients lost their connection ({not_back} not back); "
        f"{failures} failed connection attempts; {len(ok_posts)} posts "
        f"({len(results) - len(ok_posts)} failed even after failing over); all caught up: "
        f"{back['ok']} ({back['ready']:,}/{len(live):,}).\nCompleteness (re-subscribed with "
        f"after_seq): {complete.expected:,} events expected, {complete.lost} lost, "
        f"{complete.duplicates} duplicates dropped by clients, {complete.gaps} gaps seen by "
        f"clients, {complete.resyncs} resyncs; {lat.expected - lat.deliveries} deliveries "
        f"still missing before the final re-subscription.\n{cpu_line(cpu)}"
    )
    all_back = max(caught) if caught else math.nan
    run.results["storm"] = {
        "moved": len(moved), "not_back": not_back, "all_back": all_back,
        "lost": complete.lost, "gaps": complete.gaps, "duplicates": complete.duplicates,
        "commit": summarize(lat.commit), "cpu": cpu, "verified": verify["ok"],
    }  # fmt: skip
    run.check(
        "storm: every client of the killed process back and caught up",
        f"{len(moved) - not_back}/{len(moved)} in {ms(all_back)} ms",
        not_back == 0 and bool(moved),
    )
    run.check(
        "storm: application-visible gaps / lost after replay = 0 / 0",
        f"{complete.gaps} / {complete.lost}",
        complete.gaps == 0 and complete.lost == 0 and verify["ok"],
    )


# --- Profiling ------------------------------------------------------------------------------


def start_py_spy(pid: int, args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    path = tempfile.NamedTemporaryFile(prefix="wilma-bench-pyspy-", suffix=".txt", delete=False)  # noqa: SIM115
    path.close()
    spy = shutil_which("py-spy")
    duration = int(args.bigroom_posts * args.bigroom_interval) + 2
    proc = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", str(duration), "--rate", "100",
         "--format", "raw", "--threads", "--output", path.name],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1)
    return proc, path.name


def stop_py_spy(spy: tuple[subprocess.Popen[bytes], str]) -> str:
    proc, path = spy
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        proc.wait()
    return path


def shutil_which(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    import shutil

    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: pip install {name}")
    return found


FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")

# Where the time goes: labels for frames anywhere on the stack (inclusive).
BUCKETS = [
    ("aclose_old_connections (thread hop per handler)", "aclose_old_connections"),
    ("close_old_connections (in the sync thread)", "close_old_connections"),
    ("RealtimeConsumer.realtime_event", "realtime_event"),
    ("websocket send (AsyncWebsocketConsumer.send -> autobahn/twisted)", "sendMessage"),
    ("channels_redis receive (msgpack unpack per delivery)", "receive (channels_redis"),
    ("channels_redis _do_receiving (Redis PubSub reader)", "_do_receiving"),
    ("Django HTTP request (ASGIHandler)", "handle (django/core/handlers/asgi.py"),
    ("feed create_post service", "create_post (feed/services.py"),
    ("realtime publish (group_send after commit)", "publish (realtime/events.py"),
    ("asgiref SyncToAsync machinery", "asgiref/sync.py"),
    ("asyncio event loop internals", "asyncio/"),
    ("twisted reactor", "twisted/"),
]


def summarize_profile(path: str) -> None:
    """Collapsed stacks from ``py-spy record --format raw --threads``: share of samples by
    thread, by labelled frame anywhere on the stack, and the top functions by own time."""
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        thread = frames[0] if frames[0].startswith(("thread", "process")) else "?"
        if thread.startswith("process") and len(frames) > 1 and frames[1].startswith("thread"):
            thread = frames[1]
        threads[thread] += count
        for label, needle in BUCKETS:
            if any(needle in f for f in frames):
                inclusive[label] += count
        own[frames[-1]] += count
    if not total:
        print(f"py-spy recorded nothing ({path})")
        return
    print(f"\npy-spy: {total:,} samples at 100 Hz (active threads only; {path})\n")
    print("| thread | share of samples |")
    print("|---|---:|")
    for thread, count in threads.most_common(6):
        print(f"| {thread} | {count / total * 100:.1f} % |")
    print("\n| on the stack (inclusive) | share |")
    print("|---|---:|")
    for label, _needle in BUCKETS:
        print(f"| {label} | {inclusive[label] / total * 100:.1f} % |")
    print("\n| top functions by own time | share |")
    print("|---|---:|")
    for frame, count in own.most_common(15):
        print(f"| `{frame[:110]}` | {count / total * 100:.1f} % |")


# --- The run --------------------------------------------------------------------------------


def machine_state(run: Run) -> None:
    import channels
    import channels_redis
    import daphne
    import django
    import redis
    import websockets
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    conf = connection.settings_dict
    options = {k: v for k, v in conf["OPTIONS"].items() if k != "context"}
    database = f"CONN_MAX_AGE={conf['CONN_MAX_AGE']}, OPTIONS={options}"
    try:
        info: dict[str, Any] = redis.Redis.from_url(run.env["REDIS_URL"]).info("server")  # type: ignore[assignment]
        redis_version = str(info["redis_version"])
    except (redis.RedisError, OSError, KeyError):
        redis_version = "?"
    digest = hashlib.sha256()
    for path in sorted((ROOT / "realtime").glob("*.py")):
        digest.update(path.read_bytes())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    layer = "RedisPubSubChannelLayer, " + (
        "shared Redis" if run.args.shared_redis else "a private redis-server"
    )
    print(
        f"# Realtime benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {platform.node()}, {os.cpu_count()} CPUs, load average {loadavg()} at the "
        f"start; Python {platform.python_version()}, Django {django.get_version()}, channels "
        f"{channels.__version__}, channels-redis {channels_redis.__version__}, daphne "
        f"{daphne.__version__}, redis-py {redis.__version__}, websockets "
        f"{websockets.__version__}; PostgreSQL {pg}, Redis {redis_version} ({layer}); "
        f"ulimit -n {soft}/{hard}; realtime/*.py sha256 {digest.hexdigest()[:12]}; "
        f"{run.args.client_procs} load-generator process(es); frames of {run.frame_bytes} bytes; "
        f"servers: {'manage.py serve' if run.app == 'serve' else 'daphne ' + ASGI_APP}; "
        f"database {database}; "
        f"extra server environment {run.args.env or 'none'}.",
        flush=True,
    )


def parse_rates(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.realtime_bench",
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)}, profile (default: all)"
    )
    parser.add_argument("--clients", type=int, default=1000, help="fan-out/big room/storm")
    parser.add_argument("--idle-clients", type=int, default=2000)
    parser.add_argument("--idle-seconds", type=float, default=40)
    parser.add_argument("--communities", type=int, default=50)
    parser.add_argument("--rate", type=float, default=5, help="fan-out posts per second")
    parser.add_argument("--duration", type=float, default=120, help="fan-out seconds")
    parser.add_argument("--sweep-rates", type=parse_rates, default=parse_rates("10,20,40,80"),
                        help="comma-separated posts/s; empty: no sweep")  # fmt: skip
    parser.add_argument("--sweep-duration", type=float, default=15)
    parser.add_argument("--bigroom-posts", type=int, default=30)
    parser.add_argument("--bigroom-interval", type=float, default=1.0)
    parser.add_argument("--storm-rate", type=float, default=5)
    parser.add_argument("--storm-before", type=float, default=10)
    parser.add_argument("--storm-after", type=float, default=20)
    parser.add_argument("--storm-jitter", type=float, default=0.5,
                        help="clients reconnect after a random delay up to this (s)")  # fmt: skip
    parser.add_argument("--baseline-rounds", type=int, default=30)
    parser.add_argument("--baseline-pause", type=float, default=0.3)
    parser.add_argument(
        "--shared-redis",
        action="store_true",
        help="use REDIS_URL instead of a private redis-server on a free port",
    )
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument(
        "--open-timeout", type=float, default=120, help="a client's websocket handshake timeout"
    )
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument(
        "--connect-timeout", type=float, default=600, help="until every client is subscribed"
    )
    parser.add_argument("--post-threads", type=int, default=8)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after posting")
    parser.add_argument("--backlog", type=int, help="listen backlog (default: Twisted's 50)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the servers (e.g. DATABASE_POOL_MAX_SIZE=20)",
    )
    parser.add_argument(
        "--server",
        default="serve",
        choices=SERVERS,
        help="serve: `manage.py serve` (production); daphne: plain `daphne wilma.asgi:"
        "application`, without serve's garbage-collector tuning",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    scenarios = args.scenarios or list(SCENARIOS)
    unknown = set(scenarios) - {*SCENARIOS, "profile"}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    # SIGTERM unwinds like Ctrl-C, so every daphne and load-generator process is stopped.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by the children
    private = None if args.shared_redis else PrivateRedis()
    try:
        return run_all(args, scenarios, private.url if private else os.environ.get("REDIS_URL", ""))
    finally:
        if private is not None:
            private.stop()


def run_all(args: argparse.Namespace, scenarios: list[str], redis_url: str) -> int:
    if not redis_url.startswith("redis"):
        raise SystemExit("REDIS_URL must point to Redis (redis://...) with --shared-redis.")
    url = database_url()
    env = server_env(url, redis_url, args.env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    population = prepare_data(args)
    run = Run(args, env, population, frame_bytes_of_a_post(population), redis_pid(redis_url))
    machine_state(run)
    from django.db import connection

    connection.close()  # the servers need the connections more than the driver
    started = time.monotonic()
    if {"bigroom", "fanout"} & set(scenarios) and "baselines" not in scenarios:
        scenarios = ["baselines", *scenarios]  # their ratios need the baselines
    for name in SCENARIOS:
        if name in scenarios:
            globals()[f"scenario_{name}"](run)
    if "profile" in scenarios:
        scenario_bigroom(run, profile=True)
    print(f"\n## Targets ({time.monotonic() - started:.0f} s in all; load {loadavg()})\n")
    print("| target | result | |")
    print("|---|---|---|")
    for check in run.checks:
        print(f"| {check.target} | {check.value} | {'PASS' if check.ok else 'FAIL'} |")
    if args.json:
        run.results["checks"] = [c.__dict__ for c in run.checks]
        Path(args.json).write_text(json.dumps(run.results, indent=2, default=str))
    return 0 if all(c.ok for c in run.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
