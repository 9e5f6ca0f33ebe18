"""Background tasks that run inside the server process, on its event loop.

`WILMA["BACKGROUND_TASKS"]` lists dotted paths of `async def run(stop: asyncio.Event) -> None`
coroutines (on the embedded default: the relay and the search index worker). Each
runs until `stop` is set; one that raises is logged and started again after a pause, so a bug
or an outage in one task never takes the server down.

Who starts them: daphne 4.2.3 does not implement the ASGI lifespan protocol (its server only
creates applications for `http` and `websocket` connections; nothing sends
`lifespan.startup`), so `manage.py serve` starts them itself. Servers that do speak lifespan
(uvicorn, hypercorn) start them through `lifespan` below, which `wilma.asgi` routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("realtime")

Task = Callable[[asyncio.Event], Awaitable[None]]

RESTART_DELAY_SECONDS = 5.0


def configured_tasks() -> list[str]:
    return [str(path) for path in settings.WILMA.get("BACKGROUND_TASKS", [])]


def load(paths: list[str]) -> list[tuple[str, Task]]:
    """Import every task first, so a typo fails at start-up, not minutes later."""
    return [(path, import_string(path)) for path in paths]


class BackgroundTasks:
    """Runs the given tasks on the current event loop until `stop()`."""

    def __init__(self, tasks: list[tuple[str, Task]]) -> None:
        self.tasks = tasks
        self.stop_event = asyncio.Event()
        self.running: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        for path, task in self.tasks:
            self.running.append(loop.create_task(self._keep_running(path, task), name=path))
            logger.info("background task started: %s", path)

    async def _keep_running(self, path: str, task: Task) -> None:
        while not self.stop_event.is_set():
            try:
                await task(self.stop_event)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A bug, not an outage (tasks handle those themselves): the traceback helps.
                logger.exception("background task %s failed; restarting", path)
            else:
                if not self.stop_event.is_set():
                    logger.warning("background task %s returned early; restarting", path)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), RESTART_DELAY_SECONDS)

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask every task to finish, wait up to `timeout` seconds, then cancel the rest."""
        self.stop_event.set()
        if not self.running:
            return
        _done, pending = await asyncio.wait(self.running, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        self.running = []


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI lifespan: start the background tasks on startup, stop them on shutdown."""
    runner: BackgroundTasks | None = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                runner = BackgroundTasks(load(configured_tasks()))
                runner.start()
            except Exception as error:  # noqa: BLE001 - reported to the server, which exits
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if runner is not None:
                await runner.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
