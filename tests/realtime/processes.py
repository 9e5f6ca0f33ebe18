"""Real processes for the integration tests: a private redis-server, `manage.py serve` and
`manage.py realtime_relay`, and a websocket client that behaves as docs/realtime.md asks
clients to (reconnect after `retry_after`, re-subscribe with the last seq it saw).

Every process is started on a free port, its output collected, and stopped by its pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import websockets
from websockets.asyncio.client import connect

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    """The test database as a DATABASE_URL, for processes that must see what tests commit."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def wait_until(condition: Any, timeout: float, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)


class RedisProcess:
    """A private, throwaway redis-server (no persistence) that can be stopped and started
    again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, START_TIMEOUT, "redis-server")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class ManageProcess:
    """`python manage.py <args>` with its output collected line by line."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        compiled = re.compile(pattern)
        found: list[re.Match[str]] = []

        def seen() -> bool:
            if self.process.poll() is not None and not found:
                raise AssertionError(f"{self.name} exited:\n{self.output}")
            for line in list(self.lines):
                match = compiled.search(line)
                if match:
                    found.append(match)
                    return True
            return False

        wait_until(seen, timeout, f"{pattern!r} from {self.name}")
        return found[0]

    def terminate(self, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(2)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(2)


class Server(ManageProcess):
    def __init__(self, name: str, env: dict[str, str]) -> None:
        super().__init__(
            name, ["serve", "--port", "0", "--backlog", "1024", "--no-background"], env
        )
        self.port = 0

    def wait_ready(self) -> Server:
        self.port = int(self.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))
        return self

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v1/"

    def post(self, token: str, path: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1{path}",
            data=json.dumps(data).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")


def process_env(database: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WILMA_", "PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
        # Fast reactions, so the scenarios take seconds.
        WILMA_WEBSOCKET_RETRY_AFTER_SECONDS="0.5",
        WILMA_WEBSOCKET_LAYER_CHECK_SECONDS="0.2",
        WILMA_RELAY_GRACE_SECONDS="0.5",
        WILMA_RELAY_INTERVAL_SECONDS="0.3",
        WILMA_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class Client:
    """A websocket client that does what the protocol asks of one: it remembers the last seq
    it saw, and whenever the connection ends it waits `retry_after` (from `reconnect`, or a
    short pause), connects again (the next address if the last one refused) and
    re-subscribes with `after_seq`. It records every event seq in arrival order, so a
    duplicate or a gap shows."""

    def __init__(self, urls: list[str], token: str, stream: str) -> None:
        self.urls = urls
        self.token = token
        self.stream = stream
        self.seqs: list[int] = []
        self.closes: list[int | None] = []
        self.reconnects: list[dict[str, Any]] = []
        self.resyncs = 0
        self.subscribed = asyncio.Event()
        self.url_index = 0
        self.retry_after = 0.2
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            self.retry_after = 0.2
            try:
                await self._session(self.urls[self.url_index])
            except (OSError, TimeoutError, websockets.InvalidHandshake):
                # Refused or gone: try the next address.
                self.url_index = (self.url_index + 1) % len(self.urls)
            except websockets.ConnectionClosed as closed:
                self.closes.append(closed.rcvd.code if closed.rcvd else None)
            self.subscribed.clear()
            await asyncio.sleep(self.retry_after)

    async def _session(self, url: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with connect(url, additional_headers=headers, open_timeout=5) as ws:
            after_seq = self.seqs[-1] if self.seqs else 0
            subscribe = {"type": "subscribe", "stream": self.stream, "after_seq": after_seq}
            await ws.send(json.dumps(subscribe))
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "subscribed":
                    self.subscribed.set()
                elif message["type"] == "event" and message["stream"] == self.stream:
                    self.seqs.append(message["seq"])
                elif message["type"] == "reconnect":
                    self.reconnects.append(message)
                    self.retry_after = float(message["retry_after"]) or 0.1
                elif message["type"] == "resync_required":
                    self.resyncs += 1
            self.closes.append(ws.close_code)
