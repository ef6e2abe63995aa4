"""Sign-in events go to the audit trail: who, when, from where, and whether it worked."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from holdspace.audit.models import Action, Outcome
from holdspace.audit.trail import record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(action=Action.LOGIN, category="session", request=request, actor=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action=Action.LOGOUT, category="session", request=request, actor=user)


def _known_user(credentials: dict[str, Any]) -> Any:
    email = (credentials.get("username") or "").strip().lower()
    return get_user_model().objects.filter(email=email).first()


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The attempted address is not copied into the trail: it may be a mistyped patient detail.
    record(
        action=Action.LOGIN_FAILED,
        category="session",
        request=request,
        actor=_known_user(credentials),
        outcome=Outcome.DENIED,
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: str | None = None, **kw: Any) -> None:
    actor = _known_user({"username": username})
    record(
        action=Action.LOCKOUT,
        category="session",
        request=request,
        actor=actor,
        outcome=Outcome.DENIED,
        summary="Sign-in locked after repeated failures",
    )
