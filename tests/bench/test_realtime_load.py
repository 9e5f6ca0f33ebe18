"""The realtime load generator's bookkeeping (bench/realtime_load.py): if it miscounted, the
benchmark's lost/duplicate/gap figures and percentiles would be wrong without anyone noticing.

No database and no Django server: a small websockets server in the test speaks the protocol of
docs/realtime.md to one client, so the reconnect test exercises the real client loop."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from bench.realtime_bench import zipf_sizes
from bench.realtime_load import (
    Client,
    ClientSpec,
    Connect,
    StreamLog,
    check_completeness,
    parse_event,
    percentile,
    summarize,
)
from realtime.events import frame

pytestmark = pytest.mark.embedded

TIMEOUT = 10  # seconds; only a bound for a broken test, never a measurement


def event(stream: str, seq: int) -> str:
    return frame(stream, seq, "post.created", json.dumps({"id": seq, "body": "Hallo"}))


# --- Parsing --------------------------------------------------------------------------------


def test_parse_event_reads_stream_and_seq_of_a_real_frame() -> None:
    assert parse_event(event("community.12", 41)) == ("community.12", 41)


def test_parse_event_falls_back_to_json_for_another_key_order() -> None:
    text = json.dumps({"seq": 7, "type": "event", "stream": "post.3", "event": "x", "data": {}})
    assert parse_event(text) == ("post.3", 7)


def test_parse_event_ignores_other_messages() -> None:
    assert parse_event('{"type":"subscribed","stream":"community.1","seq":3}') is None
    assert parse_event('{"type":"error","code":"not_found","message":"event"}') is None
    assert parse_event("not json, but mentions event") is None


# --- One stream -----------------------------------------------------------------------------


def test_stream_log_applies_in_order_and_counts_duplicates_and_gaps() -> None:
    log = StreamLog("community.1")
    assert log.after_seq() is None  # first subscription: live from now
    log.on_subscribed(5)
    assert (log.start_seq, log.last_seq, log.caught_up) == (5, 5, True)
    assert log.on_event(6, 1.0)
    assert not log.on_event(6, 1.1)  # repeated
    assert not log.on_event(4, 1.2)  # before the window
    assert log.on_event(8, 1.3)  # 7 skipped
    assert log.duplicates == 2
    assert log.gaps == [(6, 8)]
    assert log.received == {6: 1.0, 8: 1.3}
    assert log.after_seq() == 8  # a re-subscription continues after the last applied


def test_stream_log_is_caught_up_only_when_the_replay_reached_the_subscribed_seq() -> None:
    log = StreamLog("community.1")
    log.on_subscribed(3)
    log.on_subscribed(6)  # re-subscribed with after_seq 3: events 4-6 follow
    assert not log.caught_up
    for seq in (4, 5, 6):
        log.on_event(seq, float(seq))
    assert log.caught_up
    assert log.start_seq == 3  # the window still starts at the first subscription


def test_stream_log_with_an_initial_after_seq_starts_there() -> None:
    log = StreamLog("community.1", initial_after=0)
    assert log.after_seq() == 0
    log.on_subscribed(2)
    assert (log.start_seq, log.target_seq, log.caught_up) == (0, 2, False)


def test_event_before_subscribed_is_not_applied() -> None:
    log = StreamLog("community.1")
    assert not log.on_event(1, 0.5)
    assert (log.early, log.duplicates, log.received) == (1, 0, {})


# --- Completeness against the event log -----------------------------------------------------


def dumped(client_id: int, streams: dict[str, StreamLog]) -> dict[str, Any]:
    return {"id": client_id, "streams": {name: log.to_json() for name, log in streams.items()}}


def test_check_completeness_finds_lost_events_after_each_clients_start() -> None:
    complete = StreamLog("community.1")
    complete.on_subscribed(2)
    for seq in (3, 4, 5):
        complete.on_event(seq, 0.0)
    late = StreamLog("community.1")
    late.on_subscribed(4)
    late.on_event(5, 0.0)
    late.on_event(5, 0.0)  # a duplicate
    holey = StreamLog("community.1")
    holey.on_subscribed(2)
    holey.on_event(3, 0.0)
    holey.on_event(5, 0.0)  # 4 never arrived
    never = StreamLog("community.2")  # never subscribed: nothing expected
    log = {"community.1": [1, 2, 3, 4, 5], "community.2": [1]}
    result = check_completeness(
        [
            dumped(1, {"community.1": complete}),
            dumped(2, {"community.1": late}),
            dumped(3, {"community.1": holey, "community.2": never}),
        ],
        log,
    )
    assert result.expected == 3 + 1 + 3
    assert result.lost == 1
    assert result.lost_examples == [(3, "community.1", 4)]
    assert result.duplicates == 1
    assert result.gaps == 1
    assert result.streams_checked == 3


# --- Percentiles and sizes ------------------------------------------------------------------


def test_percentile_matches_statistics_quantiles_inclusive() -> None:
    rng = random.Random(3)
    samples = [rng.expovariate(10) for _ in range(537)]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    for q in (1, 50, 95, 99):
        assert percentile(samples, q) == pytest.approx(cuts[q - 1])
    assert percentile(samples, 100) == max(samples)
    assert percentile(samples, 0) == min(samples)


def test_percentile_edge_cases() -> None:
    assert percentile([0.25], 99) == 0.25
    assert percentile([1.0, 3.0], 50) == 2.0
    summary = summarize([])
    assert summary["n"] == 0
    assert summary["p99"] != summary["p99"]  # NaN


def test_zipf_sizes_split_the_clients_exactly() -> None:
    sizes = zipf_sizes(1000, 50)
    assert sum(sizes) == 1000
    assert min(sizes) >= 1
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > 40 * sizes[-1] / 10  # rank 1 about 50x rank 50 (minus the floor of 1)
    with pytest.raises(ValueError):
        zipf_sizes(3, 5)


# --- The client's message handling and reconnect loop -----------------------------------------


def test_client_records_subscribe_and_catch_up_per_connection() -> None:
    client = Client(
        ClientSpec(1, ["ws://x"], ["community.1", "user.1"], "token"), jitter=0, open_timeout=1
    )
    client.connects.append(Connect(0, 10.0))
    client.pending = {"community.1", "user.1"}
    client.on_message('{"type":"hello","protocol":1,"user":1}')
    client.on_message('{"type":"subscribed","stream":"community.1","seq":2}')
    client.on_message(event("community.1", 3))  # live, before user.1 answered
    client.on_message('{"type":"subscribed","stream":"user.1","seq":0}')
    assert client.connects[0].subscribed is not None
    assert client.connects[0].caught_up is not None
    client.on_message(event("community.9", 1))  # a stream it never asked for
    client.on_message('{"type":"error","code":"not_found","message":"No such stream."}')
    client.on_message('{"type":"heartbeat","streams":{}}')  # unknown types are ignored
    assert client.unexpected == 1
    assert client.errors == {"not_found": 1}
    assert client.logs["community.1"].received.keys() == {3}


async def test_client_reconnects_to_the_next_url_and_resumes_after_its_last_seq() -> None:
    seen: list[tuple[int, str | None, dict[str, Any]]] = []
    drop_first = asyncio.Event()

    def make_handler(server_index: int) -> Any:
        async def handler(connection: ServerConnection) -> None:
            auth = connection.request.headers.get("Authorization") if connection.request else None
            await connection.send(json.dumps({"type": "hello", "protocol": 1, "user": 1}))
            async for raw in connection:
                message = json.loads(raw)
                seen.append((server_index, auth, message))
                after = message["after_seq"]
                if server_index == 0:
                    # Live from seq 2, then events 3 and 4, then the process "dies".
                    await connection.send(
                        json.dumps({"type": "subscribed", "stream": "community.1", "seq": 2})
                    )
                    await connection.send(event("community.1", 3))
                    await connection.send(event("community.1", 4))
                    await drop_first.wait()
                    return
                # The second server: 5 and 6 were committed meanwhile.
                await connection.send(
                    json.dumps({"type": "subscribed", "stream": "community.1", "seq": 6})
                )
                for seq in range(after + 1, 7):
                    await connection.send(event("community.1", seq))
                await connection.send(event("community.1", 6))  # live copy of a replayed one

        return handler

    async with (
        serve(make_handler(0), "127.0.0.1", 0) as first,
        serve(make_handler(1), "127.0.0.1", 0) as second,
    ):
        urls = [
            f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}/"
            for server in (first, second)
        ]
        client = Client(
            ClientSpec(7, urls, ["community.1"], "wilma_secret"), jitter=0, open_timeout=5
        )
        task = asyncio.create_task(client.run(asyncio.Semaphore(1)))
        log = client.logs["community.1"]

        async def until(condition: Any) -> None:
            while not condition():
                await asyncio.sleep(0.01)

        await asyncio.wait_for(until(lambda: log.last_seq == 4), TIMEOUT)
        drop_first.set()
        await asyncio.wait_for(until(lambda: log.last_seq == 6 and log.duplicates == 1), TIMEOUT)
        await client.stop()
        task.cancel()

    assert [(index, message["after_seq"]) for index, _auth, message in seen] == [(0, None), (1, 4)]
    assert {auth for _index, auth, _message in seen} == {"Bearer wilma_secret"}
    assert sorted(log.received) == [3, 4, 5, 6]
    assert log.gaps == []
    assert log.start_seq == 2
    assert [c.url_index for c in client.connects] == [0, 1]
    assert client.connects[1].caught_up is not None
    assert len(client.disconnects) == 1
