"""Writing and verifying the audit trail. ``record()`` is the one way rows are written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action, AuditEvent, Outcome
from holdspace.lib.hashchain import GENESIS, BrokenLink, ChainRow, first_broken_link, link_hash

if TYPE_CHECKING:
    from holdspace.clinics.models import Clinic
    from holdspace.patients.models import Patient

# Any constant will do: it names the one advisory lock that serialises audit writers on PostgreSQL.
_POSTGRES_AUDIT_LOCK = 7_170_315


def _lock_chain() -> None:
    # On SQLite every write transaction already holds the database lock (BEGIN IMMEDIATE).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSTGRES_AUDIT_LOCK])


def _source(request: HttpRequest | None) -> tuple[str | None, str, str]:
    if request is None:
        return None, "", ""
    ip = request.META.get("REMOTE_ADDR") or None
    device = getattr(request, "device", None)
    label = f"device:{device.public_id}" if device else request.META.get("HTTP_USER_AGENT", "")
    return ip, label[:200], getattr(request, "request_id", "")


def _actor(request: HttpRequest | None, actor: Any) -> tuple[Any, str, str]:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    membership = getattr(request, "membership", None) if request is not None else None
    role = membership.role if membership is not None else ""
    device = getattr(request, "device", None) if request is not None else None
    if actor is None and device is not None:
        return None, f"device {device.name}", role
    if actor is None:
        # No person and no device: a background job or seed (no request), or a visitor who
        # has not signed in (a request without a user).
        return None, ("system" if request is None else "anonymous"), role
    return actor, f"{actor.full_name} <{actor.email}>", role


def record(
    *,
    action: Action | str,
    category: str,
    request: HttpRequest | None = None,
    actor: Any = None,
    clinic: Clinic | None = None,
    patient: Patient | None = None,
    obj: Any = None,
    outcome: Outcome | str = Outcome.SUCCESS,
    summary: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit row in the caller's transaction (or its own when there is none).

    ``summary`` is for people reading the report; never put clinical content or free text from
    a patient's record in it. ``actor_label`` names an actor who is not a staff user (the patient
    answering through a link or on a kiosk); it is used only when no user or device is the actor.
    """
    if clinic is None and request is not None:
        clinic = getattr(request, "clinic", None)
    if clinic is None and patient is not None:
        clinic = patient.clinic
    actor, default_label, role = _actor(request, actor)
    if actor is not None or not actor_label or default_label.startswith("device "):
        actor_label = default_label
    ip, device, request_id = _source(request)
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").only("id", "own_hash").first()
        event = AuditEvent(
            id=(last.id + 1) if last else 1,
            at=timezone.now(),
            clinic=clinic,
            patient=patient,
            actor=actor,
            actor_label=actor_label,
            actor_role=role,
            action=str(action),
            category=category,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(getattr(obj, "public_id", getattr(obj, "pk", ""))) if obj else "",
            outcome=str(outcome),
            source_ip=ip,
            source_device=device,
            request_id=request_id,
            summary=summary[:300],
            previous_hash=last.own_hash if last else GENESIS,
        )
        event.own_hash = link_hash(event.previous_hash, event.chain_content())
        event.save(force_insert=True)
    return event


def _chain_rows() -> Iterator[ChainRow]:
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        yield ChainRow(event.id, event.previous_hash, event.own_hash, event.chain_content())


def verify_chain() -> BrokenLink | None:
    """Return the first broken link of the whole trail, or None when every row checks out."""
    return first_broken_link(_chain_rows())
