from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from holdspace.clinics.models import Device, Membership

SESSION_CLINIC = "holdspace_clinic"
SESSION_DEVICE = "holdspace_device"

# A device principal (the wall board) may reach only these paths; everything else is 404 to it.
DEVICE_ALLOWED_PREFIXES = ("/board/", "/static/", "/device/", "/live/")


class CurrentClinicMiddleware:
    """Sets ``request.clinic`` and ``request.membership`` (or ``request.device``).

    A person may belong to several clinics but works in one at a time; every query for clinical
    data is scoped to ``request.clinic``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.clinic = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.device = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            self._attach_membership(request)
        else:
            refused = self._attach_device(request)
            if refused is not None:
                return refused
        if request.clinic is None:  # type: ignore[attr-defined]
            return self.get_response(request)
        # Clinical times are stored in UTC and read and shown in the clinic's own time zone.
        with timezone.override(request.clinic.time_zone):  # type: ignore[attr-defined]
            return self.get_response(request)

    @staticmethod
    def _attach_membership(request: HttpRequest) -> None:
        active = Membership.objects.filter(
            user=request.user, is_active=True, clinic__isnull=False
        ).select_related("clinic")
        chosen = request.session.get(SESSION_CLINIC)
        membership = None
        if chosen:
            membership = active.filter(clinic__public_id=chosen).first()
        if membership is None and active.count() == 1:
            membership = active.first()
        if membership is not None:
            request.membership = membership  # type: ignore[attr-defined]
            request.clinic = membership.clinic  # type: ignore[attr-defined]

    @staticmethod
    def _attach_device(request: HttpRequest) -> HttpResponse | None:
        device_id = request.session.get(SESSION_DEVICE)
        if not device_id:
            return None
        device = Device.objects.filter(public_id=device_id, is_active=True).first()
        if device is None:
            request.session.flush()
            return redirect("accounts:login")
        if not request.path.startswith(DEVICE_ALLOWED_PREFIXES):
            from django.http import Http404

            raise Http404("Not available to a device.")
        request.device = device  # type: ignore[attr-defined]
        request.clinic = device.clinic  # type: ignore[attr-defined]
        return None
