"""The NinjaAPI under /api/v1/ and its error shapes.

Every error is ``{"detail": "...", "errors": {"field": ["..."]}}`` (``errors`` when a field is
at fault): 401 without a valid monitor-feed token, 403 when the actions refuse the device, 409
when the chair has no infusion being monitored, 422 for anything wrong in the body.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaError

from holdspace.api import docs, feed
from holdspace.api.auth import FeedToken
from holdspace.api.routers import router

DESCRIPTION = """\
The device API of holdspace. Today it has one caller: the middleware beside a chair's patient
monitor (a *monitor feed* device, added by a clinic admin under Devices), which posts that
chair's vital signs into the infusion being monitored there.

Authenticate every request with `Authorization: Bearer <token>`, the token shown once when the
device was added. A token writes to its own chair only; no request can name another.
"""

UNAUTHORIZED = (
    "A monitor feed's token is required: send 'Authorization: Bearer <token>'. Board tokens, "
    "deactivated devices and signed-in browser sessions are not accepted here."
)

api = NinjaAPI(
    title="holdspace device API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=FeedToken(),
    docs=docs.LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", router)

for _name in docs.ASSETS:
    api.get(f"/docs/{_name}", auth=None, include_in_schema=False, url_name=_name)(
        docs.asset_view(_name)
    )


def problem(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = problem(request, 401, UNAUTHORIZED)
    response["WWW-Authenticate"] = 'Bearer realm="holdspace"'
    return response


@api.exception_handler(SchemaError)
def _malformed(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_of(error), []).append(str(error.get("msg", "Invalid value")))
    return problem(request, 422, _summary(errors), errors)


def _field_of(error: dict[str, Any]) -> str:
    # ninja's locations are (source, parameter name, field, …); the field is what a device
    # developer needs to see.
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "reading")]
    return ".".join(loc) or "__all__"


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
        return problem(request, 422, _summary(errors), errors)
    return problem(request, 422, " ".join(exc.messages))


def _summary(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


@api.exception_handler(feed.NoMonitoredSession)
def _no_session(request: HttpRequest, exc: feed.NoMonitoredSession) -> HttpResponse:
    return problem(request, 409, str(exc))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(request, 403, str(exc) or "This device may not do this.")
