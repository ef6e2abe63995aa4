from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.clinics.middleware import SESSION_CLINIC
from holdspace.clinics.models import Membership

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
        response.set_cookie("holdspace_theme", theme, max_age=365 * 86400, samesite="Lax",
                            httponly=True, secure=request.is_secure())
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "You may not do this."
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
