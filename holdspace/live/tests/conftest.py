"""Helpers for live-event tests: a fresh broker per test, streams read chunk by chunk.

Tests run inside one uncommitted transaction on the test's thread, so the live reads are made
on that thread too (``READ_ON_CALLING_THREAD``); a connection on another thread would not see
the test's rows. "After commit" is shown with ``django_capture_on_commit_callbacks``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient, Client
from django.urls import reverse

from holdspace.clinics.models import Device
from holdspace.live import store
from holdspace.live.brokers import Broker, InProcessBroker, PostgresBroker, set_broker
from holdspace.live.events import publish
from holdspace.live.topics import register_topic_authorizer, topic_uuid
from holdspace.patients.models import Patient

# A topic only the tests use, authorised like a later feature's "patient:<uuid>" would be.
TEST_TOPIC = "test_patient:"


def _test_patient_topic(request, suffix):
    patient_id = topic_uuid(suffix)
    return (
        getattr(request, "membership", None) is not None
        and patient_id is not None
        and Patient.objects.filter(public_id=patient_id, clinic=request.clinic).exists()
    )


register_topic_authorizer(TEST_TOPIC, _test_patient_topic)


def patient_topic(patient) -> str:
    return f"{TEST_TOPIC}{patient.public_id}"


@pytest.fixture(autouse=True)
def _live_reads_on_the_test_thread(monkeypatch):
    monkeypatch.setattr(store, "READ_ON_CALLING_THREAD", True)


def _installed(fresh: Broker):
    # Read only when woken, never on a timer, so a test sees exactly what woke the hub.
    fresh.safety_interval = 3600.0
    previous = set_broker(fresh)
    yield fresh
    set_broker(previous)


@pytest.fixture
def broker(db) -> Broker:
    """A fresh broker of the kind the test database gets in production."""
    yield from _installed(
        PostgresBroker() if connection.vendor == "postgresql" else InProcessBroker()
    )


@pytest.fixture
def in_process(db) -> InProcessBroker:
    """The in-process broker, on either database (its wake-ups come from on-commit callbacks)."""
    yield from _installed(InProcessBroker())


def run(scenario: Callable[[], Awaitable[Any]], broker: Broker | None = None) -> Any:
    """Run an async scenario on a fresh loop, closing the broker's hub on that loop after."""

    async def wrapped() -> Any:
        try:
            return await scenario()
        finally:
            if broker is not None:
                await broker.aclose()

    return async_to_sync(wrapped)()


def publish_committed(clinic, topic, kind="test.happened", payload=None, *, capture, broker):
    """Publish as an action would, then run the on-commit callbacks (the "commit")."""
    with capture(execute=True):
        event = publish(clinic, topic, kind, payload or {})
    # On PostgreSQL the test transaction never commits, so NOTIFY is never sent: wake directly.
    broker.wake_all()
    return event


def async_client_for(client: Client) -> AsyncClient:
    """An AsyncClient carrying the same signed-in session as ``client``."""
    async_client = AsyncClient()
    async_client.cookies = client.cookies
    return async_client


def board_client(device: Device) -> Client:
    board = Client()
    board.get(reverse("clinics:device_sign_in", kwargs={"token": device.token}))
    return board


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def device_a(clinic_a):
    device = Device(clinic=clinic_a, name="Suite wall")
    token = device.issue_token()
    device.save()
    device.token = token
    return device


@pytest.fixture
def member_of_two(clinic_a, clinic_b):
    from holdspace.clinics.models import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(full_name="Pat Twoplace", email="pat.two@example.test")
    MembershipFactory(user=user, clinic=clinic_a, role=Role.NURSE)
    MembershipFactory(user=user, clinic=clinic_b, role=Role.NURSE)
    return user


class StreamReader:
    """Reads an SSE response the way a browser would, one message at a time.

    Reading happens in its own task, as in the ASGI server, so ``disconnect`` can cancel it the
    way Django does when the client goes away.
    """

    def __init__(self, response) -> None:
        self.response = response
        self._buffer = ""
        self._chunks: asyncio.Queue[str | None] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for chunk in self.response.streaming_content:
                await self._chunks.put(chunk.decode())
        finally:
            await self._chunks.put(None)

    async def message(self, timeout: float = 5.0) -> dict[str, str] | None:
        """The next message's fields (comments as ``{"comment": …}``); None when it ended."""
        while "\n\n" not in self._buffer:
            chunk = await asyncio.wait_for(self._chunks.get(), timeout)
            if chunk is None:
                return None
            self._buffer += chunk
        block, self._buffer = self._buffer.split("\n\n", 1)
        return parse_block(block)

    async def messages(self, count: int, timeout: float = 5.0) -> list[dict[str, str]]:
        return [await self.message(timeout) for _ in range(count)]

    async def events(self, count: int, timeout: float = 5.0) -> list[dict[str, str]]:
        """The next ``count`` messages that carry an event, skipping comments and cursors."""
        found = []
        while len(found) < count:
            message = await self.message(timeout)
            assert message is not None, f"stream ended after {len(found)} events"
            if "event" in message:
                found.append(message)
        return found

    async def quiet(self, seconds: float) -> bool:
        """True if no event arrives within ``seconds``."""
        try:
            while True:
                message = await self.message(seconds)
                if message is None or "event" in message:
                    return False
        except TimeoutError:
            return True

    async def disconnect(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def parse_block(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in block.split("\n"):
        if line.startswith(":"):
            fields["comment"] = line[1:].strip()
            continue
        name, _, value = line.partition(":")
        fields[name] = value[1:] if value.startswith(" ") else value
    return fields


def event_ids(messages: list[dict[str, str]]) -> list[int]:
    return [int(message["id"]) for message in messages]
