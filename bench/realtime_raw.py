"""Raw baselines for the realtime benchmarks (``bench/realtime_bench.py``), each its own process.

- ``python -m bench.realtime_raw layer --receivers 1000 --rounds 20``: the configured channel
  layer (``CHANNEL_LAYERS`` from ``wilma.settings``, so with ``REDIS_URL`` set the
  ``RedisPubSubChannelLayer`` WILMA uses) on its own: ``receivers`` channels in one group, each
  with a task blocked in ``layer.receive``; per round one ``group_send`` of a message shaped like
  a WILMA event (``realtime.events.event_message``: the frame as a string of ``--frame-bytes``)
  and the time until every receiver has it. What daphne adds on top of this is the consumer
  (dispatch, handler) and the websocket. Prints one JSON object.
- ``python -m bench.realtime_raw ws-server``: a plain asyncio ``websockets`` server (no Django,
  no channel layer) that keeps every connection and, on ``{"cmd": "broadcast", "seq": n}`` on
  stdin, sends one frame shaped like a WILMA event to all of them with ``websockets.broadcast``
  (no awaiting per client). It prints ``{"port": p}`` once listening and answers each command
  with one JSON line (the broadcast's start time, the client count, its CPU time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

PAD = "Die Stadtverwaltung informiert: "


def frame_for(stream: str, seq: int, size: int, sent_at: float) -> str:
    """A frame of about ``size`` bytes in the shape of ``realtime.events.frame``."""
    head = (
        f'{{"type":"event","stream":"{stream}","seq":{seq},"event":"bench",'
        f'"data":{{"t":{sent_at:.6f},"body":"'
    )
    tail = '"}}'
    room = max(0, size - len(head) - len(tail))
    body = (PAD * (room // len(PAD) + 1))[:room]
    return head + body + tail


# --- Channel layer fan-out ------------------------------------------------------------------


async def layer_fanout(receivers: int, rounds: int, frame_bytes: int, pause: float) -> dict:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None, "no channel layer configured"
    group = f"wilma.bench.raw.{os.getpid()}"
    channels = [await layer.new_channel() for _ in range(receivers)]
    for channel in channels:
        await layer.group_add(group, channel)
    received: list[float] = []
    done = asyncio.Event()

    async def receive(channel: str) -> None:
        while True:
            await layer.receive(channel)
            received.append(time.time())
            if len(received) == receivers:
                done.set()

    tasks = [asyncio.create_task(receive(channel)) for channel in channels]
    await asyncio.sleep(0.5)
    results = []
    cpu_total = 0.0
    for seq in range(1, rounds + 2):  # the first round warms up and is not reported
        received.clear()
        done.clear()
        cpu0 = _cpu()
        sent_at = time.time()
        message = {
            "type": "realtime.event",
            "stream": "raw",
            "seq": seq,
            "frame": frame_for("raw", seq, frame_bytes, sent_at),
            "recheck": False,
        }
        await layer.group_send(group, message)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 30)
        cpu = _cpu() - cpu0
        if seq > 1:
            cpu_total += cpu
            results.append(
                {
                    "received": len(received),
                    "first": min(received) - sent_at if received else None,
                    "last": max(received) - sent_at if received else None,
                }
            )
        await asyncio.sleep(pause)
    for task in tasks:
        task.cancel()
    for channel in channels:
        await layer.group_discard(group, channel)
    return {
        "backend": f"{type(layer).__module__}.{type(layer).__name__}",
        "receivers": receivers,
        "rounds": results,
        "cpu": cpu_total,
        "deliveries": sum(r["received"] for r in results),
    }


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


# --- Plain websockets broadcast server --------------------------------------------------------


async def ws_server(host: str, frame_bytes: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    connections: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        connections.add(connection)
        try:
            await connection.wait_closed()
        finally:
            connections.discard(connection)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with serve(
        handler, host, 0, compression=None, ping_interval=None, max_queue=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        _say({"port": port, "pid": os.getpid()})
        while True:
            line = await reader.readline()
            if not line:
                return
            command = json.loads(line)
            if command.get("cmd") == "broadcast":
                seq = int(command["seq"])
                cpu0 = _cpu()
                sent_at = time.time()
                broadcast(connections, frame_for("raw", seq, frame_bytes, sent_at))
                # broadcast() only queues the writes: let the loop flush them before reading
                # the CPU time.
                await asyncio.sleep(0.05)
                _say({"sent_at": sent_at, "clients": len(connections), "cpu": _cpu() - cpu0})
            elif command.get("cmd") == "stats":
                _say({"clients": len(connections), "cpu": _cpu()})
            else:
                _say({"ok": True})
                return


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime_raw", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    layer = sub.add_parser("layer", help="channel-layer group fan-out (prints JSON)")
    layer.add_argument("--receivers", type=int, default=1000)
    layer.add_argument("--rounds", type=int, default=20)
    layer.add_argument("--frame-bytes", type=int, default=1500)
    layer.add_argument("--pause", type=float, default=0.2, help="seconds between rounds")
    server = sub.add_parser("ws-server", help="plain websockets broadcast server")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--frame-bytes", type=int, default=1500)
    args = parser.parse_args(argv)
    if args.command == "layer":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wilma.settings")
        import django

        django.setup()
        result = asyncio.run(
            layer_fanout(args.receivers, args.rounds, args.frame_bytes, args.pause)
        )
        _say(result)
    else:
        asyncio.run(ws_server(args.host, args.frame_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
