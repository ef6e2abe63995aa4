from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinician_required
from holdspace.worklist.registry import items_for


@require_GET
@clinician_required
def worklist(request: HttpRequest) -> HttpResponse:
    """The clinician's worklist; "everyone" shows the whole clinic's open work."""
    mine_only = request.GET.get("show") != "everyone"
    items = items_for(request.clinic, request.user, mine_only=mine_only)
    # The page lists patients' names with what is wrong, so viewing it is a read of patient data.
    record(
        action=Action.READ,
        category="worklist",
        request=request,
        summary=f"worklist viewed ({len(items)} items)",
    )
    return render(request, "worklist/worklist.html", {"items": items, "mine_only": mine_only})
