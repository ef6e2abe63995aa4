import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

# Pages a signed-in person may reach before finishing two-factor sign-in.
_TWO_FACTOR_OPEN_PREFIXES = ("/accounts/", "/static/", "/device/")


class IdleTimeoutMiddleware:
    """Signs a staff member out after a period without requests.

    Tablets in infusion rooms are shared and left on chairs; an unattended session must not stay
    open to the next person who picks it up.
    """

    SESSION_KEY = "holdspace_last_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and self._expired(request):
            from holdspace.audit.models import Action
            from holdspace.audit.trail import record

            record(
                action=Action.LOGOUT,
                category="session",
                request=request,
                summary="Signed out after inactivity",
            )
            logout(request)
            messages.info(request, "You were signed out after a period of inactivity.")
            return redirect(settings.LOGIN_URL)
        if request.user.is_authenticated:
            request.session[self.SESSION_KEY] = int(time.time())
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> bool:
        last_seen = request.session.get(self.SESSION_KEY)
        if last_seen is None:
            return False
        return time.time() - last_seen > settings.IDLE_TIMEOUT_MINUTES * 60


class TwoFactorRequiredMiddleware:
    """Keeps a signed-in user on the two-factor pages until their TOTP code is verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_verify(request):
            return redirect("accounts:two_factor")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request: HttpRequest) -> bool:
        if not settings.REQUIRE_TWO_FACTOR or not request.user.is_authenticated:
            return False
        if request.path.startswith(_TWO_FACTOR_OPEN_PREFIXES):
            return False
        return not request.user.is_verified()  # type: ignore[union-attr]


class NoStoreMiddleware:
    """Tells browsers never to keep a copy of a page (static files excepted).

    Clinic tablets are handed from a nurse to a patient (the questionnaire kiosk) and passed
    between staff; without this, the Back button or the back-forward cache could show the last
    person's clinical pages after they signed out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A view that set its own policy (the event stream, PDFs) already chose deliberately.
        if not request.path.startswith("/static/") and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
