"""RedisChannelLayer against RedisPubSubChannelLayer for WILMA's traffic: group fan-out to many
receivers in one process, sent from another connection (as from another process).

Command (the shared Redis; the group names carry a random prefix, so parallel runs and other
users of the server do not mix)::

    .venv/bin/python -m bench.channel_layers --redis redis://127.0.0.1:6379/13
    .venv/bin/python -m bench.channel_layers --receivers 1000 --messages 50   # a bigger room

What one run does, for each layer configuration (the core layer with its defaults, capacity
100, expiry 60 s, group_expiry 1 day; the core layer with capacity 1000; the PubSub layer) and
for a baseline measured in the same run (redis-py PUBLISH/SUBSCRIBE with the fan-out to the
local receivers done by hand: the least any Redis layer can do):

1. Paced fan-out: `--receivers` channels in one group, read by one task each; `--messages`
   group_sends, one every `--pace` ms, from a second layer instance. Per message: time from
   the send to its last receiver (p50/p95/p99), and per delivery (p50/p99).
2. Throughput: the same number of group_sends back to back; deliveries per second until the
   last receiver has the last message.
3. Concurrency: `--concurrent` group_sends at once (asyncio.gather): errors raised (the
   core layer's connection pool), deliveries that arrived.
4. A slow receiver: one channel that reads nothing while 2 x capacity messages are sent, then
   reads: how many arrived (the core layer drops messages over capacity; PubSub keeps them all
   in the process's memory).

It prints one table, the ratio of each layer to the baseline, and the settings used. Absolute
times drift on shared machines; compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from redis import asyncio as aioredis


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Result:
    name: str
    last_receiver_ms: list[float] = field(default_factory=list)
    delivery_ms: list[float] = field(default_factory=list)
    lost_paced: int = 0
    throughput: float = 0.0
    lost_burst: int = 0
    concurrent_errors: int = 0
    concurrent_error_kinds: set[str] = field(default_factory=set)
    concurrent_delivered: int = 0
    concurrent_expected: int = 0
    slow_delivered: int = 0
    slow_sent: int = 0


# --- Layers and the baseline behind one small interface -----------------------------------


class Fanout:
    """What a benchmark needs: receivers in a group, a sender, a way to shut down."""

    async def setup(self, group: str, receivers: int) -> list[str]:
        raise NotImplementedError

    async def send(self, group: str, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def receive(self, channel: str) -> dict[str, Any]:
        raise NotImplementedError

    async def extra_channel(self, group: str) -> str:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class LayerFanout(Fanout):
    def __init__(self, make: Callable[[], Any]) -> None:
        self.receiving = make()  # this process's consumers
        self.sending = make()  # "another process": its own connections

    async def setup(self, group: str, receivers: int) -> list[str]:
        channels = [await self.receiving.new_channel() for _ in range(receivers)]
        for channel in channels:
            await self.receiving.group_add(group, channel)
        return channels

    async def extra_channel(self, group: str) -> str:
        channel = await self.receiving.new_channel()
        await self.receiving.group_add(group, channel)
        return channel

    async def send(self, group: str, message: dict[str, Any]) -> None:
        await self.sending.group_send(group, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        return dict(await self.receiving.receive(channel))

    async def close(self) -> None:
        for layer in (self.receiving, self.sending):
            await layer.flush()


class RawPubSub(Fanout):
    """Baseline: one SUBSCRIBE per group, local queues, msgpack like the layers."""

    def __init__(self, url: str) -> None:
        import msgpack

        self.msgpack = msgpack
        self.url = url
        self.sub = aioredis.Redis.from_url(url)
        self.pub = aioredis.Redis.from_url(url)
        self.pubsub = self.sub.pubsub()
        self.queues: dict[str, asyncio.Queue[bytes]] = {}
        self.members: dict[str, list[str]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def setup(self, group: str, receivers: int) -> list[str]:
        channels = [f"raw.{secrets.token_hex(6)}" for _ in range(receivers)]
        for channel in channels:
            self.queues[channel] = asyncio.Queue()
        self.members.setdefault(group, []).extend(channels)
        await self.pubsub.subscribe(group)
        if self.reader is None:
            self.reader = asyncio.get_running_loop().create_task(self._read())
        return channels

    async def extra_channel(self, group: str) -> str:
        channel = (await self.setup(group, 1))[0]
        return channel

    async def _read(self) -> None:
        while True:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            group = message["channel"].decode()
            for channel in self.members.get(group, []):
                self.queues[channel].put_nowait(message["data"])

    async def send(self, group: str, message: dict[str, Any]) -> None:
        await self.pub.publish(group, self.msgpack.packb(message))

    async def receive(self, channel: str) -> dict[str, Any]:
        return dict(self.msgpack.unpackb(await self.queues[channel].get()))

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        await self.pubsub.aclose()
        await self.sub.aclose()
        await self.pub.aclose()


# --- The scenarios ----------------------------------------------------------------------------


async def collect(
    fanout: Fanout, channels: list[str], expected: int, timeout: float
) -> list[list[tuple[int, float]]]:
    """Per channel: (message number, arrival time) of up to `expected` messages."""

    async def one(channel: str) -> list[tuple[int, float]]:
        got: list[tuple[int, float]] = []
        try:
            while len(got) < expected:
                message = await fanout.receive(channel)
                got.append((int(message["n"]), time.perf_counter()))
        except asyncio.CancelledError:
            pass
        return got

    tasks = [asyncio.get_running_loop().create_task(one(c)) for c in channels]
    _done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return [task.result() if not task.cancelled() else [] for task in tasks]


async def paced(fanout: Fanout, result: Result, args: argparse.Namespace, prefix: str) -> None:
    group = f"{prefix}.paced"
    channels = await fanout.setup(group, args.receivers)
    sent_at: dict[int, float] = {}
    collector = asyncio.get_running_loop().create_task(
        collect(fanout, channels, args.messages, timeout=args.timeout)
    )
    await asyncio.sleep(0.2)
    for n in range(args.messages):
        sent_at[n] = time.perf_counter()
        await fanout.send(group, {"type": "bench.message", "n": n, "pad": "x" * 600})
        await asyncio.sleep(args.pace / 1000)
    arrivals = await collector
    last: dict[int, float] = {}
    for per_channel in arrivals:
        for n, at in per_channel:
            result.delivery_ms.append((at - sent_at[n]) * 1000)
            last[n] = max(last.get(n, 0.0), at)
    result.last_receiver_ms = [(last[n] - sent_at[n]) * 1000 for n in last]
    result.lost_paced = args.receivers * args.messages - sum(len(a) for a in arrivals)


async def throughput(fanout: Fanout, result: Result, args: argparse.Namespace, prefix: str) -> None:
    group = f"{prefix}.burst"
    channels = await fanout.setup(group, args.receivers)
    collector = asyncio.get_running_loop().create_task(
        collect(fanout, channels, args.messages, timeout=args.timeout)
    )
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    for n in range(args.messages):
        await fanout.send(group, {"type": "bench.message", "n": n, "pad": "x" * 600})
    arrivals = await collector
    delivered = sum(len(a) for a in arrivals)
    ended = max((at for a in arrivals for _n, at in a), default=started)
    result.throughput = delivered / max(ended - started, 1e-9)
    result.lost_burst = args.receivers * args.messages - delivered


async def concurrency(
    fanout: Fanout, result: Result, args: argparse.Namespace, prefix: str
) -> None:
    group = f"{prefix}.concurrent"
    receivers = min(args.receivers, 50)
    channels = await fanout.setup(group, receivers)
    collector = asyncio.get_running_loop().create_task(
        collect(fanout, channels, args.concurrent, timeout=min(args.timeout, 10))
    )
    await asyncio.sleep(0.2)
    outcomes = await asyncio.gather(
        *(fanout.send(group, {"type": "bench.message", "n": n}) for n in range(args.concurrent)),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    result.concurrent_errors = len(errors)
    result.concurrent_error_kinds = {type(e).__name__ for e in errors}
    arrivals = await collector
    result.concurrent_delivered = sum(len(a) for a in arrivals)
    result.concurrent_expected = receivers * (args.concurrent - len(errors))


async def slow_receiver(
    fanout: Fanout, result: Result, args: argparse.Namespace, prefix: str, capacity: int
) -> None:
    group = f"{prefix}.slow"
    channel = await fanout.extra_channel(group)
    count = 2 * capacity
    for n in range(count):
        await fanout.send(group, {"type": "bench.message", "n": n})
    await asyncio.sleep(0.5)
    arrivals = await collect(fanout, [channel], count, timeout=3)
    result.slow_sent = count
    result.slow_delivered = len(arrivals[0])


async def run_one(
    name: str, make: Callable[[], Fanout], args: argparse.Namespace, capacity: int
) -> Result:
    result = Result(name)
    prefix = f"bench{secrets.token_hex(4)}"
    steps: list[Callable[[Fanout], Awaitable[None]]] = [
        lambda f: paced(f, result, args, prefix),
        lambda f: throughput(f, result, args, prefix),
        lambda f: concurrency(f, result, args, prefix),
        lambda f: slow_receiver(f, result, args, prefix, capacity),
    ]
    for step in steps:
        fanout = make()
        try:
            await step(fanout)
        finally:
            await fanout.close()
    return result


# --- Output -------------------------------------------------------------------------------


def table(results: list[Result], baseline: Result, args: argparse.Namespace) -> str:
    base_p50 = statistics.median(baseline.last_receiver_ms or [float("nan")])
    base_tp = baseline.throughput or float("nan")
    rows = [
        (
            "layer",
            "last rcv p50",
            "p95",
            "p99",
            "delivery p50",
            "p99",
            "lost",
            "deliveries/s",
            "x base lat",
            "x base tput",
            f"{args.concurrent} at once",
            "slow rcv kept",
        )
    ]
    for r in [baseline, *results]:
        p50 = percentile(r.last_receiver_ms, 50)
        errors = (
            f"{r.concurrent_errors} errors ({', '.join(sorted(r.concurrent_error_kinds))})"
            if r.concurrent_errors
            else "0 errors"
        )
        rows.append(
            (
                r.name,
                f"{p50:.1f} ms",
                f"{percentile(r.last_receiver_ms, 95):.1f}",
                f"{percentile(r.last_receiver_ms, 99):.1f}",
                f"{percentile(r.delivery_ms, 50):.1f} ms",
                f"{percentile(r.delivery_ms, 99):.1f}",
                str(r.lost_paced + r.lost_burst),
                f"{r.throughput:,.0f}",
                f"{p50 / base_p50:.2f}",
                f"{r.throughput / base_tp:.2f}",
                f"{errors}, {r.concurrent_delivered}/{r.concurrent_expected} arrived",
                f"{r.slow_delivered}/{r.slow_sent}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--redis", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    )
    parser.add_argument("--receivers", type=int, default=200)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--pace", type=float, default=20.0, help="ms between paced sends")
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    hosts = [args.redis]
    configs: list[tuple[str, Callable[[], Fanout], int]] = [
        (
            "core (capacity 100)",
            lambda: LayerFanout(lambda: RedisChannelLayer(hosts=hosts)),
            100,
        ),
        (
            "core (capacity 1000)",
            lambda: LayerFanout(lambda: RedisChannelLayer(hosts=hosts, capacity=1000)),
            1000,
        ),
        ("pubsub", lambda: LayerFanout(lambda: RedisPubSubChannelLayer(hosts=hosts)), 100),
    ]

    async def everything() -> None:
        load_before = os.getloadavg()
        started = time.perf_counter()
        baseline = await run_one("raw redis pub/sub", lambda: RawPubSub(args.redis), args, 100)
        results = [await run_one(name, make, args, cap) for name, make, cap in configs]
        print(
            f"Group fan-out, {args.receivers} receivers in one process, {args.messages} "
            f"messages (~700 bytes) from a second connection, paced every {args.pace:g} ms; "
            f"throughput: the same back to back. Redis {args.redis}."
        )
        print(table(results, baseline, args))
        print(
            "core layer settings: defaults expiry=60, group_expiry=86400, "
            "capacity as named; pubsub: no capacity, no expiry (groups live in the process)."
        )
        print(
            f"python {sys.version.split()[0]}, load {load_before[0]:.2f} -> "
            f"{os.getloadavg()[0]:.2f}, {time.perf_counter() - started:.0f} s"
        )

    asyncio.run(everything())


if __name__ == "__main__":
    main()
