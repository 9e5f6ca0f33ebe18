"""The relay: sends events that were committed but never published (the writing process died
between commit and send, or the channel layer was down), as a background task.

`run(stop)` is what `manage.py serve` runs inside the server process on the embedded default
(the in-memory layer reaches only its own process) and what `manage.py realtime_relay` runs as
a process of its own next to Redis. It survives outages of Redis and of the database: a failed
round is logged once and tried again on the next one. Several relays are harmless (clients
drop duplicates by seq), one is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from channels.db import database_sync_to_async

from realtime import events, layer
from realtime.streams import stream_group

logger = logging.getLogger("realtime")

BATCH = 500


async def relay_once(*, grace: float, batch: int = BATCH) -> int:
    """One pass: send every event left unpublished for more than `grace` seconds, in
    batches, until none is left or the layer fails. Returns how many were sent."""
    total = 0
    while True:
        pending = await database_sync_to_async(events.unpublished_events)(
            older_than=timedelta(seconds=grace), batch=batch
        )
        if not pending:
            return total
        sent = []
        for event in pending:
            if not await layer.send_to_group(
                stream_group(event.stream), events.event_message(event)
            ):
                break  # the layer is failing: the rest waits for the next round
            sent.append(event.pk)
        await database_sync_to_async(events.mark_published)(sent)
        total += len(sent)
        if len(sent) < len(pending):
            return total


async def run(
    stop: asyncio.Event, *, grace: float | None = None, interval: float | None = None
) -> None:
    """Relay until `stop` is set: a pass every `interval` (`RELAY_INTERVAL_SECONDS`, 2) for
    events older than `grace` (`RELAY_GRACE_SECONDS`, 5: younger ones may still be on their
    way from the process that wrote them)."""
    if interval is None:
        interval = layer.setting("RELAY_INTERVAL_SECONDS", 2)
    if grace is None:
        grace = layer.setting("RELAY_GRACE_SECONDS", 5)
    failing = False
    while not stop.is_set():
        try:
            sent = await relay_once(grace=grace)
        except Exception as error:  # noqa: BLE001 - the database may be down: retry later
            if not failing:
                logger.warning("relay: pass failed (%s); retrying", layer.describe(error))
            failing = True
        else:
            if failing:
                logger.info("relay: passes work again")
            failing = False
            if sent:
                logger.info("relay: sent %d event(s)", sent)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
