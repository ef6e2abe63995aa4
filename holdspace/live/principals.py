"""Who is listening: a staff member working in a clinic, or that clinic's wall board.

An event stream is one long request, so the checks the middleware made when it opened are
repeated while it stays open: a deactivated board, a removed staff member, a session signed out
(or out-dated by a password change) or gone idle stops receiving within a minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from holdspace.accounts.middleware import IdleTimeoutMiddleware
from holdspace.clinics.middleware import SESSION_DEVICE
from holdspace.clinics.models import Device, Membership


@dataclass(frozen=True)
class Listener:
    clinic_id: int
    session_key: str
    device_id: int | None = None
    device_public_id: str = ""
    membership_id: int | None = None
    user_id: int | None = None


def listener_for(request: HttpRequest) -> Listener | None:
    """The principal behind ``request`` in ``request.clinic``, or None (not allowed to listen)."""
    clinic = getattr(request, "clinic", None)
    session_key = request.session.session_key
    if clinic is None or not session_key:
        return None
    device = getattr(request, "device", None)
    if device is not None:
        return Listener(clinic.pk, session_key, device.pk, str(device.public_id))
    membership = getattr(request, "membership", None)
    if membership is None or not request.user.is_authenticated:
        return None
    return Listener(clinic.pk, session_key, membership_id=membership.pk, user_id=request.user.pk)


def still_allowed(listener: Listener) -> bool:
    """Whether an open stream may go on: the same checks a new request would meet."""
    session = _session(listener.session_key)
    if listener.device_id is not None:
        return session.get(SESSION_DEVICE) == listener.device_public_id and (
            Device.objects.filter(pk=listener.device_id, is_active=True).exists()
        )
    # get_user verifies the session's password hash, so "signed out everywhere" applies here.
    user = get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
    if user.pk != listener.user_id or _idle(session):
        return False
    return Membership.objects.filter(pk=listener.membership_id, is_active=True).exists()


def undo_activity_mark(request: HttpRequest) -> None:
    """Listening is not using the app: keep the idle clock where the person's last action left it.

    IdleTimeoutMiddleware has just stamped this request as activity (after checking the old
    stamp, so an idle session is still signed out here). Left alone, an open stream's
    reconnects, or a tab polling every few seconds, would keep an unattended tablet signed in
    for ever. Putting back the stored stamp keeps the idle timeout meaning what it says.
    """
    key = IdleTimeoutMiddleware.SESSION_KEY
    session_key = request.session.session_key
    if not request.user.is_authenticated or not session_key:
        return
    stored = _session(session_key).get(key)
    if stored is not None:
        request.session[key] = stored


def _idle(session: SessionBase) -> bool:
    last_seen = session.get(IdleTimeoutMiddleware.SESSION_KEY)
    return last_seen is not None and time.time() - last_seen > settings.IDLE_TIMEOUT_MINUTES * 60


def _session(session_key: str) -> SessionBase:
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key)
