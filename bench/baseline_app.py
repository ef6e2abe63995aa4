"""The baseline: a bare ASGI server-sent-events fan-out, no Django and no database.

``GET /stream`` subscribes; ``POST /publish?seq=N`` takes a timestamp and puts the same message
holdspace would send (same id, event and envelope) on every subscriber's queue. Served by the
same uvicorn with the same settings as holdspace, it is the floor the live stream is measured
against: what HTTP, asyncio and the loopback cost on this machine before holdspace adds any.
Run: ``uvicorn bench.baseline_app:app``.
"""

import asyncio
import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

_subscribers: set[asyncio.Queue[bytes]] = set()


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["path"] == "/stream":
        await _stream(receive, send)
    elif scope["path"] == "/publish":
        await _publish(scope, send)
    else:
        await _respond(send, 404, b"{}")


async def _lifespan(receive, send):
    while True:
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        if message["type"] == "lifespan.shutdown":
            return


async def _stream(receive, send):
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"retry: 3000\n\n", "more_body": True})
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    _subscribers.add(queue)
    await receive()  # the (empty) request body; the next message is the disconnect
    disconnected = asyncio.ensure_future(receive())
    try:
        while not disconnected.done():
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, disconnected}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                return
            await send({"type": "http.response.body", "body": getter.result(), "more_body": True})
    finally:
        _subscribers.discard(queue)
        disconnected.cancel()


async def _publish(scope, send):
    seq = int(parse_qs(scope["query_string"].decode())["seq"][0])
    committed = time.monotonic()
    envelope = {
        "id": seq,
        "topic": "board",
        "kind": "bench.tick",
        "at": datetime.now(UTC).isoformat(),
        "payload": _payload(seq),
    }
    data = json.dumps(envelope, separators=(",", ":"))
    message = f"id: {seq}\nevent: bench.tick\ndata: {data}\n\n".encode()
    for queue in _subscribers:
        queue.put_nowait(message)
    await _respond(send, 200, json.dumps({"id": seq, "t_commit": committed}).encode())


def _payload(seq: int) -> dict:
    # The same shape as a board tile change: references and a few values, no names.
    return {
        "seq": seq,
        "chair": "8f0e2c7a-2b7d-4a51-9a55-0d8e6c2f0b11",
        "phase": "running",
        "dose_percent": 42,
        "alerts": 0,
    }


async def _respond(send, status, body):
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
