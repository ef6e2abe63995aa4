from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from holdspace.accounts import tokens, two_factor
from holdspace.accounts.forms import SignInForm, TokenForm
from holdspace.audit.models import Action, Outcome
from holdspace.audit.trail import record


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("clinics:home")
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return redirect("accounts:two_factor")
    return render(request, "accounts/login.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_step(request: HttpRequest) -> HttpResponse:
    """Verify a code from an enrolled device, or enrol a new one on first sign-in."""
    from django.conf import settings

    if not settings.REQUIRE_TWO_FACTOR or request.user.is_verified():
        return redirect("clinics:home")
    device = two_factor.confirmed_device(request.user)
    enrolling = device is None
    if enrolling:
        device = two_factor.pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            return _two_factor_passed(request, device, enrolling)
        record(
            action=Action.TWO_FACTOR,
            category="session",
            request=request,
            outcome=Outcome.DENIED,
            summary="Wrong two-factor code",
        )
        form.add_error("token", "That code is not right or has expired. Try the current one.")
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        context["qr_svg"] = two_factor.enrolment_qr_svg(device)
        context["secret"] = two_factor.base32_secret(device)
    return render(request, "accounts/two_factor.html", context)


def _two_factor_passed(request: HttpRequest, device: object, enrolling: bool) -> HttpResponse:
    with transaction.atomic():
        if enrolling:
            device.confirmed = True  # type: ignore[attr-defined]
            device.save(update_fields=["confirmed"])  # type: ignore[attr-defined]
        otp_login(request, device)
        record(
            action=Action.TWO_FACTOR,
            category="session",
            request=request,
            summary="Authenticator enrolled" if enrolling else "Two-factor verified",
        )
    return redirect("clinics:home")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            record(action=Action.PASSWORD_CHANGE, category="account", request=request, obj=user)
        # The session hash changes with the password, which ends every other session; keep
        # only this one alive.
        update_session_auth_hash(request, user)
        messages.success(request, "Password changed. You are signed out everywhere else.")
        return redirect("clinics:home")
    return render(request, "accounts/password.html", {"form": form})


@require_http_methods(["GET", "POST"])
def accept_invite(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """A newly invited person chooses their first password, then signs in and enrols 2FA."""
    invited = tokens.invited_user(uidb64, token)
    if invited is None:
        record(
            action=Action.PASSWORD_CHANGE,
            category="account",
            request=request,
            outcome=Outcome.DENIED,
            summary="Invitation link refused (expired, used or altered)",
        )
        return render(request, "accounts/invite_invalid.html", status=404)
    form = SetPasswordForm(invited, request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(
                action=Action.PASSWORD_CHANGE,
                category="account",
                request=request,
                actor=invited,
                obj=invited,
                summary="First password chosen from invitation",
            )
        # Whoever was signed in on this browser (perhaps the admin who handed it over) leaves,
        # so the next screen is the new person's own sign-in.
        if request.user.is_authenticated:
            logout(request)
        messages.success(request, "Your password is set. Sign in, then set up your authenticator.")
        return redirect("accounts:login")
    response = render(request, "accounts/accept_invite.html", {"form": form, "invited": invited})
    # The page's address is a secret until it is used; keep it out of caches.
    add_never_cache_headers(response)
    return response
