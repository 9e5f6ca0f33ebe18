"""Keeping the index right: the queue written with every change, and the worker that drains it.

A change to anything searchable upserts an `IndexTask` row in the change's own transaction (by
model signals, so admin edits, imports and services all count). The worker reads a batch of
tasks, loads the current state of those objects (`search.documents`), indexes what should be
found and removes what should not, then deletes exactly the tasks it read, unless they were
re-enqueued meanwhile (`enqueued_at` moved): a change that lands while the worker is busy is
indexed in the next round. If the backend fails, the tasks stay and their attempt count grows;
the worker backs off and retries, so after an outage the index catches up with nothing lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from search import documents
from search.backends import SearchBackend, get_backend
from search.models import IndexTask

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 30.0


def enqueue(kind: str, object_ids: Iterable[int]) -> None:
    """Ask for these objects to be (re)indexed, in the caller's transaction."""
    now = timezone.now()
    tasks = [IndexTask(kind=kind, object_id=pk, enqueued_at=now) for pk in set(object_ids)]
    if tasks:
        IndexTask.objects.bulk_create(
            tasks,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=["enqueued_at"],
        )


def drain_once(backend: SearchBackend | None = None, batch_size: int | None = None) -> int:
    """Index one batch of queued changes. Returns how many tasks it completed."""
    backend = backend or get_backend()
    size = batch_size or settings.WILMA["SEARCH_WORKER_BATCH"]
    tasks = list(IndexTask.objects.order_by("enqueued_at", "id")[:size])
    if not tasks:
        return 0
    by_kind: dict[str, list[int]] = defaultdict(list)
    for task in tasks:
        by_kind[task.kind].append(task.object_id)
    try:
        for kind, ids in by_kind.items():
            found = documents.load(kind, ids)
            backend.index(found)
            present = {doc.object_id for doc in found}
            backend.remove([(kind, pk) for pk in ids if pk not in present])
    except Exception:
        IndexTask.objects.filter(pk__in=[t.pk for t in tasks]).update(attempts=F("attempts") + 1)
        raise
    done = Q(pk__in=[])
    for task in tasks:
        done |= Q(pk=task.pk, enqueued_at=task.enqueued_at)
    with transaction.atomic():
        IndexTask.objects.filter(done).delete()
    return len(tasks)


def drain(backend: SearchBackend | None = None) -> int:
    """Index everything queued now (tests, `search_rebuild --drain`)."""
    total = 0
    while count := drain_once(backend):
        total += count
    return total


def lag() -> dict[str, float | int]:
    """How far the index is behind: queued tasks and the age of the oldest (for /healthz)."""
    stats = IndexTask.objects.aggregate(oldest=Min("enqueued_at"))
    queued = IndexTask.objects.count()
    oldest = stats["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"queued": queued, "oldest_seconds": round(max(age, 0.0), 1)}


def _step() -> int:
    close_old_connections()
    try:
        return drain_once()
    finally:
        close_old_connections()


async def run(stop: asyncio.Event) -> None:
    """The worker loop: drain while there is work, pause when there is none, back off while
    the backend fails. Runs in its own process (`manage.py search_worker`) or beside the server
    on the embedded default."""
    idle = settings.WILMA["SEARCH_WORKER_IDLE_SECONDS"]
    backoff = idle
    step = sync_to_async(_step, thread_sensitive=False)
    while not stop.is_set():
        try:
            done = await step()
            backoff = idle
        except Exception as exc:  # noqa: BLE001 - an outage must not end the worker
            log.warning("search index worker: %s: %s (retrying)", type(exc).__name__, exc)
            done = 0
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)


def run_blocking(stop_after_idle: float | None = None) -> None:
    """The worker in the foreground (`manage.py search_worker`); `stop_after_idle` ends it once
    the queue has been empty that long (tests, one-off catch-up)."""
    idle_since: float | None = None
    stop = asyncio.Event()

    async def watch() -> None:
        nonlocal idle_since
        while not stop.is_set():
            if stop_after_idle is not None:
                empty = not await sync_to_async(IndexTask.objects.exists)()
                idle_since = (idle_since or time.monotonic()) if empty else None
                if idle_since and time.monotonic() - idle_since >= stop_after_idle:
                    stop.set()
            await asyncio.sleep(0.2)

    async def main() -> None:
        await asyncio.gather(run(stop), watch())

    asyncio.run(main())
