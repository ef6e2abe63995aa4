import logging
import smtplib
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from holdspace.audit.models import Action, Outcome
from holdspace.audit.trail import record
from holdspace.clinics import actions
from holdspace.clinics.access import admin_required, clinic_member_required
from holdspace.clinics.forms import DeviceForm, InviteStaffForm, RoleForm
from holdspace.clinics.middleware import SESSION_CLINIC, SESSION_DEVICE
from holdspace.clinics.models import Device, DeviceKind, Membership, Role

logger = logging.getLogger(__name__)

THEMES = {"light", "dim", "auto"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if getattr(request, "clinic", None) is None:
        return redirect("clinics:switch")
    return redirect("patients:list")


@login_required
@require_http_methods(["GET", "POST"])
def switch_clinic(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "clinic"
    )
    if request.method == "POST":
        chosen = memberships.filter(clinic__public_id=request.POST.get("clinic")).first()
        if chosen is not None:
            request.session[SESSION_CLINIC] = str(chosen.clinic.public_id)
            return redirect("clinics:home")
    return render(request, "clinics/switch.html", {"memberships": memberships})


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    theme = request.POST.get("theme", "auto")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if theme in THEMES:
        # A display preference only; it holds nothing about patients.
        response.set_cookie(
            "holdspace_theme",
            theme,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    return response


# --- Staff ----------------------------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    """The role check for pages about one object, made after the clinic-scoped lookup.

    Looking the object up first means an id from another clinic is 404 for every role; a 403
    would confirm to a curious nurse that the id exists somewhere.
    """
    if request.membership.role != Role.CLINIC_ADMIN:
        raise PermissionDenied("Only a clinic admin can manage staff and board devices.")


def _membership_in_clinic(request: HttpRequest, membership_id: UUID) -> Membership:
    """The membership, if it belongs to the clinic being worked in; 404 otherwise."""
    return get_object_or_404(
        Membership.objects.select_related("user", "clinic"),
        public_id=membership_id,
        clinic=request.clinic,
    )


def _with_two_factor_state(memberships: Any) -> Any:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return memberships.annotate(two_factor_enrolled=Exists(confirmed))


def _no_store(response: HttpResponse) -> HttpResponse:
    # Pages that show a one-time secret must not be kept in the browser cache or history.
    add_never_cache_headers(response)
    return response


@admin_required
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(clinic=request.clinic).select_related("user")
    memberships = _with_two_factor_state(memberships).order_by("-is_active", "user__full_name")
    return render(request, "clinics/staff.html", {"memberships": memberships})


@admin_required
@require_http_methods(["GET", "POST"])
def invite_staff(request: HttpRequest) -> HttpResponse:
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = actions.invite_staff(
                request.membership,
                request=request,
                **form.cleaned_data,
            )
        except actions.StaffChangeRefused as refused:
            form.add_error("email", refused.message)
        else:
            return _invitation_response(request, invitation)
    return render(request, "clinics/invite.html", {"form": form})


def _email_invitation(invitation: actions.Invitation, link: str) -> bool:
    """Send the invitation; False when the mail server refused, so the page can say so."""
    user = invitation.membership.user
    context = {"user": user, "clinic": invitation.membership.clinic, "link": link}
    body = render_to_string("clinics/invitation_email.txt", context)
    subject = f"Your holdspace account at {invitation.membership.clinic.name}"
    try:
        send_mail(subject, body, None, [user.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("Invitation email for membership %s failed", invitation.membership.public_id)
        return False
    return True


def _invitation_response(request: HttpRequest, invitation: actions.Invitation) -> HttpResponse:
    membership = invitation.membership
    if invitation.link_path is None:
        messages.success(request, f"{membership.user.full_name} can now work in this clinic.")
        return redirect("clinics:staff_member", membership_id=membership.public_id)
    link = request.build_absolute_uri(invitation.link_path)
    context = {
        "invitation": invitation,
        "membership": membership,
        "emailed": _email_invitation(invitation, link),
        "link": link if invitation.show_link else None,
    }
    return _no_store(render(request, "clinics/invite_sent.html", context))


@clinic_member_required()
@require_http_methods(["GET", "POST"])
def staff_member(request: HttpRequest, membership_id: UUID) -> HttpResponse:
    membership = _membership_in_clinic(request, membership_id)
    _require_admin(request)
    if request.method == "GET":
        return _render_member(request, membership, RoleForm(initial={"role": membership.role}))
    change = _STAFF_CHANGES.get(request.POST.get("change", ""))
    if change is None:
        return _render_member(request, membership, RoleForm(initial={"role": membership.role}), 400)
    try:
        return change(request, membership)
    except actions.StaffChangeRefused as refused:
        messages.error(request, refused.message)
        return redirect("clinics:staff_member", membership_id=membership.public_id)


def _render_member(
    request: HttpRequest, membership: Membership, role_form: RoleForm, status: int = 200
) -> HttpResponse:
    two_factor = TOTPDevice.objects.filter(user=membership.user, confirmed=True).exists()
    context = {
        "membership": membership,
        "role_form": role_form,
        "two_factor_enrolled": two_factor,
        "is_self": membership.pk == request.membership.pk,
    }
    return render(request, "clinics/staff_member.html", context, status=status)


def _after_change(request: HttpRequest, membership: Membership, message: str) -> HttpResponse:
    messages.success(request, message)
    if membership.pk == request.membership.pk:
        # An admin who changed their own place may no longer manage staff; start afresh.
        return redirect("clinics:home")
    return redirect("clinics:staff_member", membership_id=membership.public_id)


def _post_role(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render_member(request, membership, form, status=400)
    role = form.cleaned_data["role"]
    actions.change_role(request.membership, membership, role, request)
    label = Role(role).label
    return _after_change(request, membership, f"{membership.user.full_name} is now {label}.")


def _post_deactivate(request: HttpRequest, membership: Membership) -> HttpResponse:
    actions.deactivate_membership(request.membership, membership, request)
    name = membership.user.full_name
    return _after_change(request, membership, f"{name} can no longer work in this clinic.")


def _post_reactivate(request: HttpRequest, membership: Membership) -> HttpResponse:
    actions.reactivate_membership(request.membership, membership, request)
    name = membership.user.full_name
    return _after_change(request, membership, f"{name} can work in this clinic again.")


def _post_invitation(request: HttpRequest, membership: Membership) -> HttpResponse:
    invitation = actions.reissue_invitation(request.membership, membership, request)
    return _invitation_response(request, invitation)


_STAFF_CHANGES: dict[str, Callable[[HttpRequest, Membership], HttpResponse]] = {
    "role": _post_role,
    "deactivate": _post_deactivate,
    "reactivate": _post_reactivate,
    "invitation": _post_invitation,
}


# --- Devices (wall boards and monitor feeds) --------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def devices(request: HttpRequest) -> HttpResponse:
    form = DeviceForm(request.POST or None, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            device, token = actions.create_device(
                request.membership,
                form.cleaned_data["name"],
                form.cleaned_data["kind"],
                form.cleaned_data["chair"],
                request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            return _no_store(
                render(request, "clinics/device_created.html", _created(request, device, token))
            )
    listed = (
        Device.objects.filter(clinic=request.clinic)
        .select_related("chair")
        .order_by("-is_active", "name")
    )
    return render(request, "clinics/devices.html", {"form": form, "devices": listed})


def _created(request: HttpRequest, device: Device, token: str) -> dict[str, Any]:
    """What the admin copies once: a board's sign-in link, or a feed's API token."""
    if device.kind == DeviceKind.FEED:
        return {
            "device": device,
            "token": token,
            "api_url": request.build_absolute_uri(reverse("api-v1:post_vitals")),
            "docs_url": request.build_absolute_uri(reverse("api-v1:openapi-view")),
        }
    path = reverse("clinics:device_sign_in", kwargs={"token": token})
    return {"device": device, "sign_in_url": request.build_absolute_uri(path)}


@clinic_member_required()
@require_http_methods(["GET", "POST"])
def device(request: HttpRequest, device_id: UUID) -> HttpResponse:
    board_device = get_object_or_404(
        Device.objects.select_related("chair"), public_id=device_id, clinic=request.clinic
    )
    _require_admin(request)
    if request.method == "POST":
        actions.deactivate_device(request.membership, board_device, request)
        if board_device.kind == DeviceKind.FEED:
            messages.success(request, f"{board_device.name}'s token is refused from now on.")
        else:
            messages.success(
                request, f"{board_device.name} is signed out and can no longer sign in."
            )
        return redirect("clinics:devices")
    return render(request, "clinics/device.html", {"device": board_device})


@require_GET
def device_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The wall board opens its secret link; the browser then holds a device session, no user."""
    # Only a board signs in here: a monitor feed's token is for the API and opens no pages.
    board_device = Device.objects.filter(
        token_hash=Device.hash_token(token), kind=DeviceKind.BOARD
    ).first()
    if board_device is None or not board_device.is_active:
        _record_refused_device(request, board_device)
        raise Http404("Unknown or deactivated device link.")
    # Whoever was signed in on this browser is signed out: a board must never carry a person's
    # session, and a person's browser must not quietly become a board.
    if request.user.is_authenticated:
        logout(request)
    request.session.flush()
    request.session[SESSION_DEVICE] = str(board_device.public_id)
    request.device = board_device
    request.clinic = board_device.clinic
    record(
        action=Action.LOGIN,
        category="device",
        request=request,
        obj=board_device,
        summary="Board device signed in",
    )
    return redirect("clinics:board")


def _record_refused_device(request: HttpRequest, board_device: Device | None) -> None:
    # The token itself is never written down: the trail must not become a list of keys.
    summary = "Board sign-in refused: " + ("device deactivated" if board_device else "unknown link")
    record(
        action=Action.LOGIN,
        category="device",
        request=request,
        outcome=Outcome.DENIED,
        clinic=board_device.clinic if board_device else None,
        obj=board_device,
        summary=summary,
    )


# --- Wall board -----------------------------------------------------------------------------


def board_viewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let in a signed-in board device of the clinic, or any staff member working in it."""
    member_view = clinic_member_required()(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "device", None) is not None:
            return view(request, *args, **kwargs)
        return member_view(request, *args, **kwargs)

    return wrapper


@board_viewer_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    # Minimum necessary: chair, patient initials, phase, times, dose, last vitals and alerts.
    # No patient or staff names and no notes, because the board hangs where visitors and other
    # patients can read it. ``?partial=tiles`` is the live refresh (board.js).
    from holdspace.infusions.queries import board_tiles
    from holdspace.live.store import latest_id

    # measures-administration: which in-chair sessions have an open safety flag (no detail).
    from holdspace.measures.queries import sessions_with_open_safety_flags

    context = {
        "tiles": board_tiles(request.clinic),  # type: ignore[attr-defined]
        "safety_sessions": sessions_with_open_safety_flags(request.clinic),  # type: ignore[attr-defined]
        "live_after": latest_id(),
        "is_device": getattr(request, "device", None) is not None,
    }
    if request.GET.get("partial") == "tiles":
        return render(request, "board/board.html#tiles", context)
    return render(request, "board/board.html", context)


# --- Error pages ----------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "You may not do this."
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
