"""Fetch-and-authorize helpers and role checks for views.

Every object lookup is scoped to the clinic the person is working in, so an id from another
clinic is indistinguishable from an id that does not exist: both are 404.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from holdspace.clinics.models import CLINICAL_ROLES, Role

ALL_ROLES = tuple(Role)


def clinic_member_required(
    roles: Iterable[str] = ALL_ROLES,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require a signed-in person working in a clinic with one of ``roles``.

    No clinic chosen yet → the clinic picker. Wrong role → 403 with a page that says why.
    """
    allowed = {str(role) for role in roles}

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("clinics:switch")
            if membership.role not in allowed:
                raise PermissionDenied("Your role in this clinic does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


clinician_required = clinic_member_required(CLINICAL_ROLES)
admin_required = clinic_member_required([Role.CLINIC_ADMIN])
