"""Small template helpers for the live infusion pages and the patient chart's course list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template

from holdspace.infusions.models import InfusionSession

register = template.Library()

# Colour carries the alert (quiet by design: no sound in the infusion room).
TIER_CSS = {"critical": "danger", "hold": "danger", "notify": "warn"}
STATE_CSS = {
    "scheduled": "",
    "checked_in": "warn",
    "running": "ok",
    "paused": "warn",
    "infusion_ended": "",
    "recovering": "ok",
    "discharged": "",
    "aborted": "danger",
}


@register.filter
def minutes(span: timedelta | None) -> str:
    """A duration as a clinician says it: "7 min", "1 h 05 min"; "—" when unknown."""
    if span is None:
        return "—"
    total = max(int(span.total_seconds() // 60), 0)
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


@register.filter
def as_minutes(total_seconds: int | None) -> str:
    """Seconds as minutes (rounded down), the way the console's clock shows them."""
    if total_seconds is None:
        return "—"
    return minutes(timedelta(seconds=int(total_seconds)))


@register.filter
def seconds(span: timedelta | None) -> int:
    return int(span.total_seconds()) if span is not None else 0


@register.filter
def tier_css(tier: str | None) -> str:
    return TIER_CSS.get(tier or "", "")


@register.filter
def state_css(state: str | None) -> str:
    return STATE_CSS.get(state or "", "")


@register.filter
def lookup(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag
def sessions_by_order(patient: Any) -> dict[int, list[InfusionSession]]:
    """Every infusion session of ``patient`` keyed by order id, in one query (the chart lists
    many orders; the query count must not grow with them)."""
    found: dict[int, list[InfusionSession]] = {}
    rows = InfusionSession.objects.filter(patient=patient).order_by("scheduled_for", "id")
    for session in rows:
        found.setdefault(session.order_id, []).append(session)
    return found


@register.simple_tag
def new_client_id() -> str:
    """A fresh client UUID for one entry form (each one-tap row is its own form)."""
    import uuid

    return str(uuid.uuid4())


@register.filter
def attr_state_reusable(session: InfusionSession | None) -> bool:
    """True when the order's latest session was aborted before the pump started: the order may
    be scheduled again (an order is one infusion)."""
    return session is not None and session.state == "aborted" and session.started_at is None
