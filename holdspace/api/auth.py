"""Who may call the API: an active monitor-feed device, by its bearer token, and nobody else.

There is no ambient authority here. A signed-in person's session cookie does not count: the
request is handled as the device alone (``request.user`` is anonymous), so the audit trail and
every check name the device. CSRF protection is about cookies a browser sends on its own; a
bearer token is never sent that way, so the API's views are exempt (django-ninja marks them).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from holdspace.audit.models import Action, Outcome
from holdspace.audit.trail import record
from holdspace.clinics.models import Device, DeviceKind

logger = logging.getLogger(__name__)

# Tokens are 43 characters (secrets.token_urlsafe(32)); anything far longer is not one of ours
# and is not worth hashing.
MAX_TOKEN_LENGTH = 200


class FeedToken(HttpBearer):
    """``Authorization: Bearer <token>`` of an active monitor-feed device bound to a chair.

    The token's sha256 is looked up (the stored hash is unique) and compared again in constant
    time. A board's token, a deactivated device's, an unknown one or none at all: 401.
    """

    def __call__(self, request: HttpRequest) -> Any:
        # Whatever the cookies say, the API never acts as a person.
        request.user = AnonymousUser()
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        digest = Device.hash_token(token)
        device = Device.objects.select_related("clinic", "chair").filter(token_hash=digest).first()
        if device is None or not hmac.compare_digest(device.token_hash, digest):
            # Unknown tokens are not audited (anyone could fill the trail with them); the
            # technical log keeps the address, never the token.
            logger.warning(
                "API token refused: unknown token from %s", request.META.get("REMOTE_ADDR")
            )
            return None
        refusal = _refusal(device)
        if refusal:
            _audit_refused(request, device, refusal)
            return None
        act_as(request, device)
        return device


def _refusal(device: Device) -> str:
    if not device.is_active:
        return "device deactivated"
    if device.kind != DeviceKind.FEED:
        return "not a monitor feed"
    if device.chair is None or device.chair.clinic_id != device.clinic_id:
        return "no chair of its clinic"
    return ""


def _audit_refused(request: HttpRequest, device: Device, why: str) -> None:
    request.device = device  # type: ignore[attr-defined]
    record(
        action=Action.LOGIN,
        category="device",
        request=request,
        outcome=Outcome.DENIED,
        clinic=device.clinic,
        obj=device,
        summary=f"API token refused: {why}",
    )
    request.device = None  # type: ignore[attr-defined]


def act_as(request: HttpRequest, device: Device) -> HttpRequest:
    """Make ``request`` the device's: no person, the device's clinic. The audit trail labels
    what it does ``device <name>`` with the device's id as its source."""
    request.user = AnonymousUser()
    request.device = device  # type: ignore[attr-defined]
    request.clinic = device.clinic  # type: ignore[attr-defined]
    request.membership = None  # type: ignore[attr-defined]
    return request


def device_request(device: Device) -> HttpRequest:
    """A request-shaped principal for writing as ``device`` outside HTTP (``holdspace
    simulate``), so its rows are audited exactly as the API's are."""
    request = HttpRequest()
    request.request_id = ""  # type: ignore[attr-defined]
    return act_as(request, device)
