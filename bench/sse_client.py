"""A minimal server-sent-events client on asyncio streams (stdlib only).

It speaks just enough HTTP/1.1 for a benchmark on loopback: one GET, a 200 with chunked
transfer encoding (what uvicorn sends for a streaming body), and the SSE line format. Each
event is stamped with ``time.monotonic()`` when its chunk arrives, before any parsing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

# (event id, event name, data, monotonic receive time)
OnEvent = Callable[[int, str, str, float], None]


class SSEClient:
    def __init__(self, host: str, port: int, path: str, on_event: OnEvent, cookie: str = ""):
        self.host, self.port, self.path = host, port, path
        self.cookie = cookie
        self.on_event = on_event
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._buffer = ""
        self._task: asyncio.Task[None] | None = None

    async def connect(self, timeout: float = 10.0) -> None:
        """Open the stream and wait for its first chunk (the subscriber is registered by then)."""
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout
        )
        cookie = f"Cookie: sessionid={self.cookie}\r\n" if self.cookie else ""
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Accept: text/event-stream\r\n{cookie}\r\n"
        )
        self._writer.write(request.encode())
        await self._writer.drain()
        await asyncio.wait_for(self._read_head(), timeout)
        first = await asyncio.wait_for(self._next_chunk(), timeout)
        self._feed(first, time.monotonic())
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _read_head(self) -> None:
        assert self._reader is not None
        status = (await self._reader.readline()).decode()
        if " 200 " not in status:
            raise ConnectionError(f"stream refused: {status.strip()}")
        headers = {}
        while (line := (await self._reader.readline()).decode().strip()) != "":
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip().lower()
        if headers.get("transfer-encoding") != "chunked":
            raise ConnectionError("expected a chunked stream")

    async def _next_chunk(self) -> str:
        assert self._reader is not None
        size = int((await self._reader.readline()).split(b";")[0], 16)
        if size == 0:
            raise EOFError
        data = await self._reader.readexactly(size + 2)  # the chunk and its CRLF
        return data[:-2].decode()

    async def _pump(self) -> None:
        try:
            while True:
                chunk = await self._next_chunk()
                self._feed(chunk, time.monotonic())
        except (EOFError, asyncio.IncompleteReadError, ConnectionError):
            return

    def _feed(self, chunk: str, received: float) -> None:
        self._buffer += chunk
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            self._dispatch(block, received)

    def _dispatch(self, block: str, received: float) -> None:
        fields = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            fields[name] = value
        if "event" in fields and "id" in fields:
            self.on_event(int(fields["id"]), fields["event"], fields.get("data", ""), received)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(self._writer.wait_closed(), 2)


async def http_json(host: str, port: int, method: str, path: str, timeout: float = 10.0) -> str:
    """One small request on its own connection; returns the body (Content-Length responses)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = raw.decode().partition("\r\n\r\n")
    if " 200 " not in head.split("\r\n", 1)[0]:
        raise ConnectionError(f"{method} {path}: {head.splitlines()[0]}")
    return body
