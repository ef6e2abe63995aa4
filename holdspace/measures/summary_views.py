"""The clinic outcome summary page: response and remission rates by indication over a period.

The counting rules live in the pure `summary` module (and are printed on the page); this view
only gathers the clinic's courses and completed questionnaires, in two queries whatever the
number of patients, and shows the rows. Prescribers, therapists and clinic admins may read it;
every view of the figures is audited once.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import Clinic, Role
from holdspace.dosing.models import CoursePhase, TreatmentCourse, indication_label
from holdspace.measures import baselines, summary
from holdspace.measures.models import Administration, AdministrationStatus
from holdspace.measures.outcomes import Rate
from holdspace.patients.models import Indication, RecordStatus
from holdspace.patients.vocabulary import icd10_description

READERS = (Role.PRESCRIBER, Role.THERAPIST, Role.CLINIC_ADMIN)
# A quarter by default: long enough for an induction series and its follow-ups (CLINICAL.md §5:
# relapse often comes within weeks, so a shorter window would miss the outcome that matters).
DEFAULT_PERIOD_DAYS = 90
ENDED_PHASES = (CoursePhase.COMPLETED, CoursePhase.DISCONTINUED)


def clinic_today(clinic: Clinic) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(clinic.time_zone))


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the first day of the period.",
            "invalid": "Enter the first day as a date, for example 2026-09-01.",
        },
    )
    date_to = forms.DateField(
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the last day of the period.",
            "invalid": "Enter the last day as a date, for example 2026-11-30.",
        },
    )

    def __init__(self, data: Any, today: date) -> None:
        super().__init__(data, label_suffix="")
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if end and end > self.today:
            self.add_error(
                "date_to",
                f"The last day cannot be after today ({self.today.isoformat()}): outcomes "
                "are counted only for days that have happened.",
            )
        elif start and end and start > end:
            self.add_error("date_to", "The last day is before the first day of the period.")
        return cleaned


def _local_date(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return timezone.localtime(moment, zone).date()


def clinic_courses(clinic: Clinic) -> tuple[list[summary.Course], dict[str, set[str]]]:
    """Every course of the clinic with its scores, and the ICD-10-CM codes per indication.

    Only completed, complete administrations with a total are scores; entered-in-error,
    cancelled, due and in-progress ones only mark the instrument as asked (summary module).
    The baseline of each course and instrument is chosen here (`baselines`) and passed in.
    """
    zone = zoneinfo.ZoneInfo(clinic.time_zone)
    rows = TreatmentCourse.objects.filter(patient__clinic=clinic).values(
        "id",
        "public_id",
        "patient_id",
        "indication_category",
        "created_at",
        "phase",
        "phase_changed_at",
    )
    scores: dict[int, dict[str, list[summary.Score]]] = defaultdict(lambda: defaultdict(list))
    answered: dict[int, dict[str, list[tuple[str, datetime]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    asked: dict[int, set[str]] = defaultdict(set)
    administrations = (
        Administration.objects.filter(clinic=clinic, course__isnull=False)
        .values(
            "course_id",
            "instrument_version__instrument__key",
            "status",
            "complete",
            "total",
            "completed_at",
            "occasion",
        )
        .order_by("completed_at", "id")
    )
    for row in administrations:
        key = row["instrument_version__instrument__key"]
        asked[row["course_id"]].add(key)
        scored = row["complete"] and row["total"] is not None and row["completed_at"]
        if row["status"] == AdministrationStatus.COMPLETED and scored:
            on = _local_date(row["completed_at"], zone)
            scores[row["course_id"]][key].append(summary.Score(on, float(row["total"])))
            answered[row["course_id"]][key].append((row["occasion"], row["completed_at"]))
    first = baselines.first_infusions(row["id"] for row in rows)
    courses = []
    for row in rows:
        ended = row["phase"] in ENDED_PHASES and row["phase_changed_at"] is not None
        courses.append(
            summary.Course(
                course=str(row["public_id"]),
                indication=row["indication_category"],
                started_on=_local_date(row["created_at"], zone),
                ended_on=_local_date(row["phase_changed_at"], zone) if ended else None,
                scores={key: tuple(values) for key, values in scores[row["id"]].items()},
                asked=frozenset(asked[row["id"]]),
                baselines=_baselines(answered[row["id"]], first.get(row["id"])),
            )
        )
    return courses, _codes(rows)


def _baselines(
    scored: dict[str, list[tuple[str, datetime]]], first_infusion: datetime | None
) -> dict[str, int]:
    """Per instrument, the position of the course baseline among its scores (`baselines`)."""
    chosen = {key: baselines.baseline_index(rows, first_infusion) for key, rows in scored.items()}
    return {key: index for key, index in chosen.items() if index is not None}


def _codes(course_rows: Any) -> dict[str, set[str]]:
    """The ICD-10-CM codes of the patients' indications matching their courses' indication."""
    wanted = {(row["patient_id"], row["indication_category"]) for row in course_rows}
    codes: dict[str, set[str]] = defaultdict(set)
    indications = Indication.objects.filter(
        patient_id__in={patient for patient, _ in wanted}, status=RecordStatus.FINAL
    ).values_list("patient_id", "category", "icd10_code")
    for patient_id, category, code in indications:
        if (patient_id, category) in wanted:
            codes[category].add(code)
    return codes


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def rate_view(rate: Rate | None) -> dict[str, Any] | None:
    """A rate as the page shows it: "3 of 5", "60 %", "95 % CI 23 to 88 %"."""
    if rate is None:
        return None
    return {
        "count": f"{rate.successes} of {rate.n}",
        "percent": _percent(rate.proportion),
        "interval": (
            f"{_percent(rate.lower)} to {_percent(rate.upper)}" if rate.n else "no evaluable course"
        ),
    }


def _indications(rows: tuple[summary.OutcomeRow, ...], codes: dict[str, set[str]]) -> list[dict]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.indication].append(
            {"row": row, "response": rate_view(row.response), "remission": rate_view(row.remission)}
        )
    return [
        {
            "key": key,
            "label": indication_label(key),
            "codes": [(code, icd10_description(code) or "") for code in sorted(codes.get(key, ()))],
            "rows": entries,
        }
        for key, entries in grouped.items()
    ]


@require_GET
@clinic_member_required(READERS)
def outcome_summary(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    today = clinic_today(clinic)
    data = request.GET if {"date_from", "date_to"} & set(request.GET) else None
    initial = {"date_from": today - timedelta(days=DEFAULT_PERIOD_DAYS), "date_to": today}
    form = PeriodForm(data or initial, today)
    context: dict[str, Any] = {"form": form, "indications": None}
    if form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        courses, codes = clinic_courses(clinic)
        rows = summary.summarise(courses, start, end)
        context.update(start=start, end=end, indications=_indications(rows, codes))
        record(
            action=Action.READ,
            category="outcome_summary",
            request=request,
            summary=f"Clinic outcome summary viewed ({start.isoformat()} to {end.isoformat()})",
        )
    return render(request, "measures/summary.html", context)
