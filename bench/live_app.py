"""holdspace's own ASGI application plus two routes only the benchmark has.

``POST /__bench/setup`` creates a clinic, a wall-board device and its session (the benchmark's
subscribers are board screens) and returns the session key. ``POST /__bench/publish?seq=N``
publishes one board event the way an action does (``publish`` in a transaction, from a worker
thread) and returns its id and the moment its transaction committed. Everything else is the
real application, middleware and all. Run: ``uvicorn bench.live_app:app`` (never in
production: these routes have no authentication).
"""

import json
import os
import time

from asgiref.sync import sync_to_async

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")

from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

from bench.baseline_app import _payload, _respond  # noqa: E402


async def app(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/__bench/setup":
        body = await sync_to_async(_setup, thread_sensitive=False)()
        await _respond(send, 200, json.dumps(body).encode())
    elif scope["type"] == "http" and scope["path"] == "/__bench/publish":
        seq = int(scope["query_string"].decode().partition("seq=")[2])
        body = await sync_to_async(_publish, thread_sensitive=False)(seq)
        await _respond(send, 200, json.dumps(body).encode())
    else:
        await django_app(scope, receive, send)


def _setup() -> dict:
    from django.contrib.sessions.backends.db import SessionStore

    from holdspace.clinics.middleware import SESSION_DEVICE
    from holdspace.clinics.models import Clinic, Device

    clinic = Clinic.objects.create(name="Benchmark clinic")
    device = Device(clinic=clinic, name="Benchmark board")
    device.issue_token()
    device.save()
    session = SessionStore()
    session[SESSION_DEVICE] = str(device.public_id)
    session.create()
    return {"session": session.session_key, "clinic": clinic.pk}


def _publish(seq: int) -> dict:
    from django.db import transaction

    from holdspace.clinics.models import Clinic
    from holdspace.live.events import publish

    clinic = Clinic.objects.get(name="Benchmark clinic")
    committed = {}
    with transaction.atomic():
        # Registered before publish's own callback, so it runs first, right after COMMIT.
        transaction.on_commit(lambda: committed.setdefault("t", time.monotonic()))
        event = publish(clinic, "board", "bench.tick", _payload(seq))
    return {"id": event.id, "t_commit": committed["t"]}
