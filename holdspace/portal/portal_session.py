"""The patient's portal session, started by a portal link and its date-of-birth check.

What the browser session holds, under one namespaced key: the portal link's public id, when the
date of birth was checked, and when the patient was last seen (for the idle limit). Nothing
else: no patient id, no name, no clinical data. Every request looks the link up again, so a
link the clinic cancels ends the session at once.

The session grants nothing outside /p/home/: staff pages check ``request.user``, which a portal
session never sets. Starting a portal session signs any staff member out of this browser, and
a staff sign-in ends the portal session, so one browser never holds both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import logout
from django.http import HttpRequest
from django.utils import timezone

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.portal.models import LinkPurpose, PatientLink

SESSION_KEY = "holdspace_portal"
# Project defaults, no clinical source: a patient writing a journal entry on a phone needs
# longer than the staff idle limit (HOLDSPACE_IDLE_MINUTES), and no portal session outlives a day
# of use, so a phone left unlocked is not a standing key.
IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)

# Why there is no portal session (shown to the patient by home.py).
SIGNED_OUT = "signed_out"
IDLE = "idle"
TOO_LONG = "too_long"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Ended:
    reason: str


def _now() -> float:
    return timezone.now().timestamp()


def start(request: HttpRequest, link: PatientLink) -> None:
    """Begin the portal session after the date-of-birth check (new session key)."""
    if request.user.is_authenticated:
        logout(request)  # a shared device: the staff member's session ends here
    else:
        request.session.cycle_key()
    now = _now()
    request.session[SESSION_KEY] = {
        "link": str(link.public_id),
        "verified_at": now,
        "last_seen": now,
    }


def end(request: HttpRequest, link: PatientLink | None, summary: str) -> None:
    """End the portal session (audited against the link when there is one)."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    if link is not None:
        record(
            action=Action.LOGOUT,
            category="patient_link",
            request=request,
            actor=None,
            clinic=link.clinic,
            patient=link.patient,
            obj=link,
            summary=summary,
            actor_label=f"patient by link {link.public_id}",
        )


def _link(public_id: str) -> PatientLink | None:
    return (
        PatientLink.objects.select_related("clinic", "patient", "patient__therapist")
        .filter(public_id=public_id, purpose=LinkPurpose.PORTAL)
        .first()
    )


def current(request: HttpRequest) -> PatientLink | Ended:
    """The portal link of this browser's session, or why there is none. Touches the idle
    clock on success."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or "link" not in data:
        return Ended(SIGNED_OUT)
    link = _link(str(data["link"]))
    if request.user.is_authenticated:
        end(request, link, "Portal session ended: a staff member signed in on this browser")
        return Ended(SIGNED_OUT)
    if link is None:
        end(request, None, "")
        return Ended(SIGNED_OUT)
    now = _now()
    if link.revoked_at is not None:
        end(request, link, "Portal session ended: the clinic cancelled the link")
        return Ended(CANCELLED)
    if now - float(data.get("verified_at", 0)) > ABSOLUTE_LIMIT.total_seconds():
        end(request, link, "Portal session ended after 12 hours")
        return Ended(TOO_LONG)
    if now - float(data.get("last_seen", 0)) > IDLE_LIMIT.total_seconds():
        end(request, link, "Portal session ended after 30 minutes without activity")
        return Ended(IDLE)
    request.session[SESSION_KEY] = {**data, "last_seen": now}
    return link
