"""Websocket load generator for the realtime benchmarks (``bench/realtime_bench.py``).

N websocket clients in one asyncio process (the ``websockets`` library, no compression, no
client pings), each authenticated with ``Authorization: Bearer <API token>`` and subscribed to
its streams with the protocol of docs/realtime.md. Per stream a client records what a real
client must know: the last seq it applied, the receive time of every event it applied (wall
clock, ``time.time()``: the server stamps events with the same clock, so on one machine the
difference is a latency), the duplicates it had to drop and the gaps it saw (an event whose seq
is more than one past the last applied: the server promises never to send one). After a
disconnect a client reconnects to the next of its URLs after a random delay and re-subscribes
every stream with ``after_seq`` = the last seq it applied, so the server replays what it missed.

In ``raw`` mode a client only counts the frames that a plain ``websockets`` server broadcasts
(``bench/realtime_raw.py``); the frames have the same shape and size as WILMA's events, so both
sides of a comparison parse the same bytes.

The clients run in worker processes (``python -m bench.realtime_load``), so that the client side
does not share an interpreter (and a GIL) with the benchmark driver. A worker reads one JSON
command per line on stdin and answers one JSON line on stdout; ``LoadGenerator`` drives one or
more workers from the (synchronous) benchmark. Commands:

- ``start {clients: [ClientSpec...], concurrency, jitter, open_timeout}``: connect and subscribe
  (at most ``concurrency`` opening handshakes at once; reconnects are not throttled).
- ``wait {what: "open" | "subscribed" | "caught_up", timeout}``: until every client is there.
- ``stats``: counters and the worker's CPU time.
- ``resubscribe``: every connected client re-subscribes every stream with ``after_seq`` = its
  last applied seq (the end-of-run completeness check), then waits until they caught up.
- ``dump {path}``: every client's bookkeeping as JSON; ``stop``: close everything and exit.

The bookkeeping (``StreamLog``, ``check_completeness``, ``percentile``) is pure and tested in
``tests/bench/test_realtime_load.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# `realtime.events.frame` builds every event as `{"type":"event","stream":"...","seq":N,...`:
# reading the stream and seq from the prefix spares a JSON parse of the whole payload per
# delivery (the client side shares two cores with the server). Anything else is parsed.
EVENT_PREFIX = re.compile(r'\{"type":"event","stream":"([a-z]+\.[0-9]+|raw)","seq":([0-9]+),')


def parse_event(text: str) -> tuple[str, int] | None:
    """(stream, seq) of an event frame, or None for any other message."""
    match = EVENT_PREFIX.match(text)
    if match is not None:
        return match.group(1), int(match.group(2))
    if '"event"' not in text:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if (
        isinstance(message, dict)
        and message.get("type") == "event"
        and isinstance(message.get("stream"), str)
        and isinstance(message.get("seq"), int)
    ):
        return message["stream"], message["seq"]
    return None


# --- Bookkeeping (pure) ---------------------------------------------------------------------


@dataclass
class StreamLog:
    """What one client knows about one stream.

    ``start_seq``: where the client's window starts (the ``seq`` of its first ``subscribed`` when
    it subscribed live, or the ``after_seq`` it asked for); every later event of the stream must
    reach it. ``target_seq``: the ``seq`` of the latest ``subscribed``; the replay that follows
    brings ``last_seq`` up to it.
    """

    stream: str
    initial_after: int | None = None
    start_seq: int | None = None
    target_seq: int = 0
    last_seq: int = 0
    received: dict[int, float] = field(default_factory=dict)  # seq -> receive time (applied)
    duplicates: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (last applied, seq received)
    resyncs: int = 0
    early: int = 0  # events before the first `subscribed` (the protocol sends none)

    def after_seq(self) -> int | None:
        """What to send as ``after_seq`` when (re-)subscribing."""
        return self.initial_after if self.start_seq is None else self.last_seq

    def on_subscribed(self, seq: int) -> None:
        if self.start_seq is None:
            self.start_seq = seq if self.initial_after is None else self.initial_after
            self.last_seq = self.start_seq
        self.target_seq = max(self.target_seq, seq)

    def on_event(self, seq: int, at: float) -> bool:
        """Apply an event the way a client must: drop it if its seq is not past the last one
        applied. Returns whether it was applied."""
        if self.start_seq is None:
            self.early += 1
            return False
        if seq <= self.last_seq:
            self.duplicates += 1
            return False
        if seq > self.last_seq + 1:
            self.gaps.append((self.last_seq, seq))
        self.last_seq = seq
        self.received[seq] = at
        return True

    def on_resync(self) -> None:
        self.resyncs += 1

    @property
    def caught_up(self) -> bool:
        return self.start_seq is not None and self.last_seq >= self.target_seq

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start_seq,
            "target": self.target_seq,
            "last": self.last_seq,
            "dups": self.duplicates,
            "gaps": self.gaps,
            "resyncs": self.resyncs,
            "early": self.early,
            "recv": sorted(self.received.items()),
        }


@dataclass
class Completeness:
    expected: int = 0  # (client, stream, seq) triples the log says must have arrived
    lost: int = 0
    duplicates: int = 0
    gaps: int = 0
    resyncs: int = 0
    streams_checked: int = 0
    lost_examples: list[tuple[int, str, int]] = field(default_factory=list)


def check_completeness(
    clients: Iterable[Mapping[str, Any]], log: Mapping[str, Sequence[int]]
) -> Completeness:
    """Compare what every client applied (its dumped ``streams``) with the event log (every seq
    of each stream). Lost: a logged seq after the client's start that it never applied.
    Duplicates: events it had to drop. Gaps: events that arrived ahead of the next expected
    seq (application-visible gaps)."""
    result = Completeness()
    log_sets = {stream: sorted(seqs) for stream, seqs in log.items()}
    for client in clients:
        for stream, info in client["streams"].items():
            start = info["start"]
            result.duplicates += int(info["dups"])
            result.gaps += len(info["gaps"])
            result.resyncs += int(info["resyncs"])
            if start is None:
                continue  # never subscribed: counted by the caller as a failed client
            result.streams_checked += 1
            got = {int(seq) for seq, _at in info["recv"]}
            for seq in log_sets.get(stream, ()):
                if seq <= start:
                    continue
                result.expected += 1
                if seq not in got:
                    result.lost += 1
                    if len(result.lost_examples) < 10:
                        result.lost_examples.append((int(client["id"]), stream, seq))
    return result


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's
    default, and ``statistics.quantiles(method="inclusive")``); NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max of a list of samples (same unit as the samples)."""
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "max": max(samples) if samples else math.nan,
    }


# --- Clients --------------------------------------------------------------------------------


@dataclass
class ClientSpec:
    id: int
    urls: list[str]
    streams: list[str]
    token: str | None = None  # None: raw mode (no hello, no subscriptions)
    after_seq: int | None = None  # the first subscription's after_seq (None: live from now)


@dataclass
class Connect:
    url_index: int
    opened: float
    subscribed: float | None = None  # every stream answered `subscribed`
    caught_up: float | None = None  # ... and the replays that followed arrived


class Client:
    def __init__(self, spec: ClientSpec, *, jitter: float, open_timeout: float) -> None:
        self.spec = spec
        self.raw = spec.token is None
        self.logs = {stream: StreamLog(stream, spec.after_seq) for stream in spec.streams}
        if self.raw:  # a raw server numbers its broadcasts 1, 2, 3 ... from the start
            for log in self.logs.values():
                log.on_subscribed(0)
        self.jitter = jitter
        self.open_timeout = open_timeout
        self.url_index = 0
        self.ws: Any = None
        self.connects: list[Connect] = []
        self.disconnects: list[float] = []
        self.close_codes: list[int | None] = []
        self.connect_failures = 0
        self.errors: dict[str, int] = {}
        self.unsubscribed = 0
        self.unexpected = 0
        self.pending: set[str] = set()
        self.stopping = False
        self.task: asyncio.Task[None] | None = None

    # --- State the worker aggregates ---

    @property
    def is_open(self) -> bool:
        return self.ws is not None

    @property
    def is_subscribed(self) -> bool:
        return self.ws is not None and (self.raw or (bool(self.connects) and not self.pending))

    @property
    def is_caught_up(self) -> bool:
        return self.is_subscribed and all(log.caught_up for log in self.logs.values())

    # --- Connection loop ---

    async def run(self, gate: asyncio.Semaphore) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        headers = {} if self.raw else {"Authorization": f"Bearer {self.spec.token}"}
        first = True
        while not self.stopping:
            url = self.spec.urls[self.url_index]
            try:
                opening = connect(
                    url,
                    additional_headers=headers,
                    compression=None,
                    ping_interval=None,
                    open_timeout=self.open_timeout,
                    close_timeout=2,
                    max_size=2**22,
                )
                if first:
                    async with gate:
                        ws = await opening
                else:
                    ws = await opening
            except (OSError, InvalidHandshake, TimeoutError):
                self.connect_failures += 1
                self.url_index = (self.url_index + 1) % len(self.spec.urls)
                await asyncio.sleep(0.2 + random.uniform(0, self.jitter))
                continue
            first = False
            self.ws = ws
            self.connects.append(Connect(self.url_index, time.time()))
            try:
                await self._session(ws)
            except ConnectionClosed:
                pass
            finally:
                self.ws = None
                self.close_codes.append(ws.close_code)
            if self.stopping or ws.close_code == 4401:
                break  # stopped, or not authenticated: a real client would not retry either
            self.disconnects.append(time.time())
            # Fail over to the next URL, after a random delay (a storm of clients that all
            # reconnect at once is what real clients should avoid).
            self.url_index = (self.url_index + 1) % len(self.spec.urls)
            await asyncio.sleep(random.uniform(0, self.jitter))

    async def _session(self, ws: Any) -> None:
        if not self.raw:
            self.pending = set(self.logs)
            for log in self.logs.values():
                await ws.send(self._subscribe(log))
        async for message in ws:
            self.on_message(message if isinstance(message, str) else message.decode())

    @staticmethod
    def _subscribe(log: StreamLog) -> str:
        return json.dumps({"type": "subscribe", "stream": log.stream, "after_seq": log.after_seq()})

    async def resubscribe(self) -> bool:
        """Re-subscribe every stream from the last applied seq; False if not connected."""
        ws = self.ws
        if ws is None or self.raw:
            return False
        self.pending = set(self.logs)
        for log in self.logs.values():
            await ws.send(self._subscribe(log))
        return True

    def on_message(self, text: str) -> None:
        now = time.time()
        parsed = parse_event(text)
        if parsed is not None:
            log = self.logs.get(parsed[0])
            if log is None:
                self.unexpected += 1
                return
            log.on_event(parsed[1], now)
            if self.connects and self.connects[-1].caught_up is None and not self.pending:
                self._check_caught_up(now)
            return
        try:
            message = json.loads(text)
        except ValueError:
            self.unexpected += 1
            return
        kind = message.get("type") if isinstance(message, dict) else None
        stream = message.get("stream") if isinstance(message, dict) else None
        if kind == "subscribed" and stream in self.logs:
            self.logs[stream].on_subscribed(int(message["seq"]))
            self.pending.discard(stream)
            if not self.pending and self.connects:
                current = self.connects[-1]
                if current.subscribed is None:
                    current.subscribed = now
                self._check_caught_up(now)
        elif kind == "resync_required" and stream in self.logs:
            self.logs[stream].on_resync()
        elif kind == "error":
            code = str(message.get("code"))
            self.errors[code] = self.errors.get(code, 0) + 1
        elif kind == "unsubscribed":
            self.unsubscribed += 1
        # hello, pong and message types added later (heartbeats, presence) need nothing here.

    def _check_caught_up(self, now: float) -> None:
        """Record when this connection first had every stream caught up (kept through later
        re-subscriptions on the same connection)."""
        current = self.connects[-1]
        if current.caught_up is None and all(log.caught_up for log in self.logs.values()):
            current.caught_up = now

    async def stop(self) -> None:
        self.stopping = True
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(TimeoutError, OSError):
                await asyncio.wait_for(ws.close(), 3)
        if self.task is not None:
            self.task.cancel()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.spec.id,
            "url_index": self.url_index,
            "open": self.is_open,
            "connects": [[c.url_index, c.opened, c.subscribed, c.caught_up] for c in self.connects],
            "disconnects": self.disconnects,
            "close_codes": self.close_codes,
            "connect_failures": self.connect_failures,
            "errors": self.errors,
            "unsubscribed": self.unsubscribed,
            "unexpected": self.unexpected,
            "streams": {stream: log.to_json() for stream, log in self.logs.items()},
        }


# --- Worker process -------------------------------------------------------------------------


class Worker:
    """The clients of one process and the commands that drive them."""

    def __init__(self) -> None:
        self.clients: list[Client] = []

    def stats(self) -> dict[str, Any]:
        times = os.times()
        logs = [log for client in self.clients for log in client.logs.values()]
        return {
            "clients": len(self.clients),
            "open": sum(c.is_open for c in self.clients),
            "subscribed": sum(c.is_subscribed for c in self.clients),
            "caught_up": sum(c.is_caught_up for c in self.clients),
            "deliveries": sum(len(log.received) for log in logs),
            "duplicates": sum(log.duplicates for log in logs),
            "gaps": sum(len(log.gaps) for log in logs),
            "resyncs": sum(log.resyncs for log in logs),
            "errors": sum(sum(c.errors.values()) for c in self.clients),
            "unsubscribed": sum(c.unsubscribed for c in self.clients),
            "reconnects": sum(max(0, len(c.connects) - 1) for c in self.clients),
            "connect_failures": sum(c.connect_failures for c in self.clients),
            "cpu": times.user + times.system,
            "pid": os.getpid(),
        }

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        name = command.get("cmd")
        if name == "start":
            gate = asyncio.Semaphore(int(command.get("concurrency", 50)))
            for raw in command["clients"]:
                client = Client(
                    ClientSpec(**raw),
                    jitter=float(command.get("jitter", 0.0)),
                    open_timeout=float(command.get("open_timeout", 30)),
                )
                client.task = asyncio.create_task(client.run(gate))
                self.clients.append(client)
            return {"ok": True, "clients": len(self.clients)}
        if name == "wait":
            return await self.wait(str(command["what"]), float(command.get("timeout", 120)))
        if name == "stats":
            return self.stats()
        if name == "resubscribe":
            started = time.time()
            sent = [await client.resubscribe() for client in self.clients]
            result = await self.wait("caught_up", float(command.get("timeout", 120)))
            return {**result, "resubscribed": sum(sent), "started": started}
        if name == "dump":
            Path(command["path"]).write_text(json.dumps([c.to_json() for c in self.clients]))
            return {"ok": True, "path": command["path"]}
        if name == "stop":
            await asyncio.gather(*(client.stop() for client in self.clients))
            return {"ok": True}
        return {"error": f"unknown command {name!r}"}

    async def wait(self, what: str, timeout: float) -> dict[str, Any]:
        check = {
            "open": lambda c: c.is_open,
            "subscribed": lambda c: c.is_subscribed,
            "caught_up": lambda c: c.is_caught_up,
        }[what]
        started = time.monotonic()
        while True:
            ready = sum(1 for client in self.clients if check(client))
            elapsed = time.monotonic() - started
            if ready == len(self.clients) or elapsed > timeout:
                return {"ok": ready == len(self.clients), "ready": ready, "elapsed": elapsed}
            await asyncio.sleep(0.02)


async def serve_commands() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**28)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker()
    while True:
        line = await reader.readline()
        if not line:
            await worker.handle({"cmd": "stop"})
            return
        command = json.loads(line)
        try:
            reply = await worker.handle(command)
        except Exception as exc:  # noqa: BLE001 (report to the driver, do not die silently)
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        if command.get("cmd") == "stop":
            return


# --- Driver side ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class WorkerProcess:
    def __init__(self) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="wilma-bench-load-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.realtime_load"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def reply(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"load worker {self.proc.pid} died; log: {self.log.name}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"load worker {self.proc.pid}: {answer['error']}")
        return answer


class LoadGenerator:
    """Drives ``procs`` worker processes; clients are dealt to them round-robin."""

    def __init__(self, procs: int = 1) -> None:
        self.workers = [WorkerProcess() for _ in range(max(1, procs))]

    @property
    def pids(self) -> list[int]:
        return [w.proc.pid for w in self.workers]

    def _all(self, commands: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        for worker, command in zip(self.workers, commands, strict=True):
            worker.send(command)
        return [worker.reply() for worker in self.workers]

    def call(self, command: dict[str, Any]) -> list[dict[str, Any]]:
        return self._all([command] * len(self.workers))

    def start(
        self,
        specs: Sequence[ClientSpec],
        *,
        concurrency: int = 50,
        jitter: float = 0.0,
        open_timeout: float = 30,
    ) -> None:
        n = len(self.workers)
        per = max(1, concurrency // n)
        self._all(
            [
                {
                    "cmd": "start",
                    "clients": [spec.__dict__ for spec in specs[i::n]],
                    "concurrency": per,
                    "jitter": jitter,
                    "open_timeout": open_timeout,
                }
                for i in range(n)
            ]
        )

    def wait(self, what: str, timeout: float) -> dict[str, Any]:
        replies = self.call({"cmd": "wait", "what": what, "timeout": timeout})
        return {
            "ok": all(r["ok"] for r in replies),
            "ready": sum(r["ready"] for r in replies),
            "elapsed": max(r["elapsed"] for r in replies),
        }

    def stats(self) -> dict[str, Any]:
        replies = self.call({"cmd": "stats"})
        merged: dict[str, Any] = {}
        for reply in replies:
            for key, value in reply.items():
                if key != "pid":
                    merged[key] = merged.get(key, 0) + value
        return merged

    def resubscribe(self, timeout: float = 120) -> dict[str, Any]:
        replies = self.call({"cmd": "resubscribe", "timeout": timeout})
        return {
            "ok": all(r["ok"] for r in replies),
            "ready": sum(r["ready"] for r in replies),
            "resubscribed": sum(r["resubscribed"] for r in replies),
            "elapsed": max(r["elapsed"] for r in replies),
        }

    def dump(self) -> list[dict[str, Any]]:
        paths = [
            tempfile.NamedTemporaryFile(  # noqa: SIM115
                prefix="wilma-bench-dump-", suffix=".json", delete=False
            ).name
            for _ in self.workers
        ]
        self._all([{"cmd": "dump", "path": path} for path in paths])
        clients: list[dict[str, Any]] = []
        for path in paths:
            clients.extend(json.loads(Path(path).read_text()))
            os.unlink(path)
        return sorted(clients, key=lambda c: int(c["id"]))

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def stop(self) -> None:
        """Ask every worker to close its connections and exit; kill one that does not within
        15 s (it may still be busy with an earlier command, e.g. after an interrupt)."""
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.send({"cmd": "stop"})
                assert worker.proc.stdin is not None
                worker.proc.stdin.close()
        deadline = time.monotonic() + 15
        for worker in self.workers:
            try:
                worker.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
            worker.log.close()


def main() -> None:
    asyncio.run(serve_commands())


if __name__ == "__main__":
    main()
