from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from holdspace.audit import report
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import admin_required


@admin_required
@require_GET
def audit_report(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    form = report.AuditFilterForm(clinic, request.GET or None)
    sort = report.parse_sort(request.GET.get("sort"))
    # Looking at the trail is itself an access worth recording: it shows who saw whose chart.
    # It is written before the page is counted so the count and the rows agree.
    patient = form.cleaned_data.get("patient") if form.is_bound and form.is_valid() else None
    record(
        action=Action.READ,
        category="audit",
        request=request,
        patient=patient,
        summary="Audit report viewed",
    )
    events = report.events_for(clinic, form, sort)
    page = Paginator(events, report.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "sort": sort, "columns": report.sort_columns(sort)}
    return render(request, "audit/report.html", context)
