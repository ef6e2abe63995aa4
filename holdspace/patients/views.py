"""Patient record pages: fetch-and-authorize → act (actions.py) → respond.

Every object is fetched through a helper scoped to ``request.clinic`` (and child rows to their
patient), so another clinic's id is a 404 for every role — before any role check, so that a 403
never reveals that a record exists. Role checks follow the fetch; actions check them again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.access import clinic_member_required
from holdspace.clinics.models import CLINICAL_ROLES, Role
from holdspace.patients import actions
from holdspace.patients.forms import (
    CareTeamForm,
    ConsentDocumentForm,
    ConsentForm,
    IndicationForm,
    MeasurementForm,
    PatientForm,
    PatientSearchForm,
    ReasonForm,
    ScreeningForm,
    StatusForm,
)
from holdspace.patients.models import (
    WEIGHT_RECENT_FOR,
    ConsentDocument,
    ConsentKind,
    Indication,
    Observation,
    ObservationCode,
    Patient,
    PatientConsent,
    RecordStatus,
    Screening,
    body_mass_index,
    consent_overview,
    current_screening,
    latest_consent_documents,
)
from holdspace.patients.vocabulary import SCREENING_ITEMS, icd10_description, indication_categories

PAGE_SIZE = 25
GET_POST = ["GET", "POST"]


def is_htmx(request: HttpRequest) -> bool:
    # A history restore asks for the whole page, not a fragment.
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


# --- Fetch and authorize ---------------------------------------------------------------------


def get_patient_for(request: HttpRequest, patient_id: uuid.UUID) -> Patient:
    """The patient with this public id in the clinic being worked in, or 404."""
    return get_object_or_404(
        Patient.objects.select_related("clinic", "prescriber", "therapist"),
        public_id=patient_id,
        clinic=request.clinic,
    )


def child_of(patient: Patient, queryset: Any, public_id: uuid.UUID) -> Any:
    """A row that belongs to this patient, or 404 (an id from another record is not found)."""
    row = get_object_or_404(queryset, public_id=public_id, patient=patient)
    row.patient = patient
    return row


def get_observation_for(
    request: HttpRequest, patient_id: uuid.UUID, observation_id: uuid.UUID
) -> Observation:
    patient = get_patient_for(request, patient_id)
    return child_of(patient, Observation.objects.all(), observation_id)


def get_indication_for(
    request: HttpRequest, patient_id: uuid.UUID, indication_id: uuid.UUID
) -> Indication:
    patient = get_patient_for(request, patient_id)
    return child_of(patient, Indication.objects.all(), indication_id)


def get_screening_for(
    request: HttpRequest, patient_id: uuid.UUID, screening_id: uuid.UUID
) -> Screening:
    patient = get_patient_for(request, patient_id)
    queryset = Screening.objects.select_related("created_by", "signed_by")
    return child_of(patient, queryset, screening_id)


def get_consent_for(
    request: HttpRequest, patient_id: uuid.UUID, consent_id: uuid.UUID
) -> PatientConsent:
    patient = get_patient_for(request, patient_id)
    queryset = PatientConsent.objects.select_related("document", "witnessed_by")
    return child_of(patient, queryset, consent_id)


def get_document_for(request: HttpRequest, document_id: uuid.UUID) -> ConsentDocument:
    return get_object_or_404(
        ConsentDocument.objects.select_related("created_by"),
        public_id=document_id,
        clinic=request.clinic,
    )


def require(request: HttpRequest, roles: Any, message: str) -> str:
    """403 with ``message`` unless the person's role here is one of ``roles``."""
    return actions.require_role(
        request.user,
        request.clinic.pk,
        roles,
        message,
        request,
    )


def current_role(request: HttpRequest) -> str:
    return str(request.membership.role)


def audit_read(
    request: HttpRequest, category: str, patient: Patient, obj: Any, summary: str
) -> None:
    record(
        action=Action.READ,
        category=category,
        request=request,
        patient=patient,
        obj=obj,
        summary=summary,
    )


def chart_url(patient: Patient) -> str:
    return reverse("patients:chart", kwargs={"patient_id": patient.public_id})


# --- List and search -------------------------------------------------------------------------


@require_http_methods(["GET"])
@clinic_member_required()
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET)
    patients = Patient.objects.filter(clinic=request.clinic)
    # An unreadable date shows its message instead of a list that ignored it.
    patients = form.filter(patients) if form.is_valid() else patients.none()
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for patient in page.object_list:
        patient.age = patient.age_on(today)
    # Who looked at the list is audited; what they searched for is not (it may be a name).
    record(
        action=Action.READ, category="patient_list", request=request, summary="Patient list viewed"
    )
    template = "patients/list.html#results" if is_htmx(request) else "patients/list.html"
    return render(request, template, {"form": form, "page": page})


# --- Registration and demographics -----------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def new_patient(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    form = PatientForm(request.POST if request.method == "POST" else None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            patient = actions.register_patient(
                actor=request.user, clinic=clinic, demographics=form.demographics(), request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{patient.display_name} is registered.")
            return redirect(chart_url(patient))
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@require_http_methods(GET_POST)
@clinic_member_required()
def edit_patient(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    if request.method == "GET":
        form = PatientForm(instance=patient, clinic=patient.clinic)
        audit_read(request, "patient_demographics", patient, patient, "Demographics opened")
        return render(request, "patients/patient_form.html", {"form": form, "patient": patient})
    # The form gets its own copy: validating writes the typed values onto its instance, and the
    # page header must keep showing the record as saved.
    editing = Patient.objects.get(pk=patient.pk)
    form = PatientForm(request.POST, instance=editing, clinic=patient.clinic)
    if form.is_valid():
        try:
            actions.update_patient(
                actor=request.user,
                patient=patient,
                demographics=form.demographics(),
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except actions.EditConflict as conflict:
            return _edit_conflict(request, conflict.current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Demographics saved.")
            return redirect(chart_url(patient))
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


def _edit_conflict(request: HttpRequest, current: Patient) -> HttpResponse:
    """Show what the person typed beside the record as it now is; nothing of theirs was saved.

    The form now carries the current version, so saving again is a deliberate choice made
    after seeing the other person's change.
    """
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = PatientForm(data, instance=Patient.objects.get(pk=current.pk), clinic=current.clinic)
    context = {"form": form, "patient": current, "conflict": actions.CONFLICT, "current": current}
    return render(request, "patients/patient_form.html", context, status=409)


@require_http_methods(GET_POST)
@clinic_member_required()
def change_status(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    form = StatusForm(
        request.POST if request.method == "POST" else None, initial={"status": patient.status}
    )
    if request.method == "POST" and form.is_valid():
        changed = actions.change_status(
            actor=request.user, patient=patient, status=form.cleaned_data["status"], request=request
        )
        if changed:
            messages.success(request, f"Status is now “{patient.get_status_display()}”.")
        return redirect(chart_url(patient))
    return render(request, "patients/status_form.html", {"form": form, "patient": patient})


@require_http_methods(GET_POST)
@clinic_member_required()
def care_team(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    form = CareTeamForm(
        request.POST if request.method == "POST" else None,
        initial=CareTeamForm.initial_for(patient),
        clinic=patient.clinic,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.set_care_team(
                actor=request.user,
                patient=patient,
                prescriber=form.cleaned_data["prescriber"],
                therapist=form.cleaned_data["therapist"],
                nurses=form.cleaned_data["nurses"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Care team saved." if changed else "Care team unchanged.")
            return redirect(chart_url(patient))
    return render(request, "patients/care_team.html", {"form": form, "patient": patient})


# --- The chart -------------------------------------------------------------------------------


def measurement_context(
    patient: Patient, form: MeasurementForm | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything the measurement panel shows, in a fixed number of queries."""
    weight = patient.latest_observation(ObservationCode.BODY_WEIGHT)
    height = patient.latest_observation(ObservationCode.BODY_HEIGHT)
    recent = list(
        patient.observations.select_related("recorded_by").order_by("-measured_at", "-id")[:10]
    )
    return {
        "patient": patient,
        "weight": weight,
        "height": height,
        "bmi": body_mass_index(weight, height),
        "weight_is_old": weight is not None
        and timezone.now() - weight.measured_at > WEIGHT_RECENT_FOR,
        "weight_recent_days": WEIGHT_RECENT_FOR.days,
        "recent_observations": recent,
        "measurement_form": form or MeasurementForm(patient=patient),
        **extra,
    }


def screening_rows(screenings: list[Screening]) -> list[tuple[Screening, str]]:
    """Each screening with its state: current, superseded, awaiting signature, or in error."""
    signed = [s for s in screenings if s.is_signed and s.status == RecordStatus.FINAL]
    current = max(signed, key=lambda s: (s.signed_at, s.pk), default=None)
    rows = []
    for screening in screenings:
        if screening.status == RecordStatus.ENTERED_IN_ERROR:
            state = "entered_in_error"
        elif not screening.is_signed:
            state = "awaiting_signature"
        else:
            state = "current" if screening == current else "superseded"
        rows.append((screening, state))
    return rows


def _chart_context(request: HttpRequest, patient: Patient) -> dict[str, Any]:
    indications = list(patient.indications.order_by("-is_primary", "recorded_at"))
    labels = {c.key: c.label for c in indication_categories()}
    for indication in indications:
        indication.description = icd10_description(indication.icd10_code) or ""
        indication.category_label = labels.get(indication.category, indication.category)
    screenings = list(
        patient.screenings.select_related("signed_by", "created_by").order_by(
            "-signed_at", "-created_at"
        )
    )
    rows = screening_rows(screenings)
    consents = list(
        patient.consents.select_related("document", "witnessed_by").order_by("-signed_at", "-id")
    )
    return {
        **measurement_context(patient),
        "age": patient.age_on(timezone.localdate()),
        "nurses": list(patient.nurses.all()),
        "indications": indications,
        "screening_rows": rows,
        "current_screening": next((s for s, state in rows if state == "current"), None),
        "consent_states": consent_overview(patient),
        "consents": consents,
        "is_clinician": current_role(request) in CLINICAL_ROLES,
    }


@require_http_methods(["GET"])
@clinic_member_required()
def chart(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    context = _chart_context(request, patient)
    audit_read(request, "patient_chart", patient, patient, "Chart opened")
    return render(request, "patients/chart.html", context)


# --- Measurements ----------------------------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def record_measurement(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    form = MeasurementForm(request.POST if request.method == "POST" else None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            observation, created = actions.record_measurement(
                actor=request.user,
                patient=patient,
                code=form.cleaned_data["code"],
                value=form.cleaned_data["value"],
                measured_at=form.cleaned_data["measured_at"],
                client_id=form.cleaned_data["client_id"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            what = observation.get_code_display()
            what += f" {observation.display_value} {observation.unit}"
            notice = (
                f"{what} recorded."
                if created
                else "This entry was already saved; nothing was added twice."
            )
            if is_htmx(request):
                return render(
                    request,
                    "patients/chart.html#measurements",
                    measurement_context(patient, notice=notice, is_clinician=True),
                )
            messages.success(request, notice)
            return redirect(chart_url(patient))
    if is_htmx(request):
        return render(
            request,
            "patients/chart.html#measurements",
            measurement_context(patient, form, is_clinician=True),
        )
    return render(
        request, "patients/measurement_form.html", {"patient": patient, "measurement_form": form}
    )


def _entered_in_error(
    request: HttpRequest,
    patient: Patient,
    row: Any,
    what: str,
    mark: Callable[..., Any],
    **kwargs: Any,
) -> HttpResponse:
    """The shared confirm-with-reason page for marking any row entered in error."""
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            mark(actor=request.user, reason=form.cleaned_data["reason"], request=request, **kwargs)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{what} marked entered in error. It stays on the record, struck through."
            )
            return redirect(chart_url(patient))
    return render(
        request,
        "patients/entered_in_error.html",
        {"form": form, "patient": patient, "row": row, "what": what},
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def observation_error(
    request: HttpRequest, patient_id: uuid.UUID, observation_id: uuid.UUID
) -> HttpResponse:
    observation = get_observation_for(request, patient_id, observation_id)
    require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    return _entered_in_error(
        request,
        observation.patient,
        observation,
        f"{observation.get_code_display()} {observation.display_value} {observation.unit}, "
        f"measured {timezone.localtime(observation.measured_at):%Y-%m-%d %H:%M}",
        actions.mark_observation_entered_in_error,
        observation=observation,
    )


# --- Indications -----------------------------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def add_indication(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    form = IndicationForm(request.POST if request.method == "POST" else None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_indication(
                actor=request.user, patient=patient, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Indication {form.cleaned_data['icd10_code']} recorded.")
            return redirect(chart_url(patient))
    return render(
        request,
        "patients/indication_form.html",
        {"form": form, "patient": patient, "code_table": IndicationForm.code_table()},
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def indication_error(
    request: HttpRequest, patient_id: uuid.UUID, indication_id: uuid.UUID
) -> HttpResponse:
    indication = get_indication_for(request, patient_id, indication_id)
    require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    return _entered_in_error(
        request,
        indication.patient,
        indication,
        f"Indication {indication.icd10_code}",
        actions.mark_indication_entered_in_error,
        indication=indication,
    )


# --- Screening -------------------------------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def new_screening(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    role = require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    can_sign = role == Role.PRESCRIBER
    form = ScreeningForm(request.POST if request.method == "POST" else None, can_sign=can_sign)
    if request.method == "POST" and form.is_valid():
        try:
            screening = actions.create_screening(
                actor=request.user,
                patient=patient,
                answers=form.answers(),
                outcome=form.cleaned_data["outcome"],
                conditions=form.cleaned_data["conditions"],
                sign=bool(form.cleaned_data.get("sign_now")),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "Screening signed."
                if screening.is_signed
                else "Screening saved. It awaits a prescriber's signature.",
            )
            return redirect(
                "patients:screening", patient_id=patient.public_id, screening_id=screening.public_id
            )
    return render(
        request,
        "patients/screening_form.html",
        {"form": form, "patient": patient, "can_sign": can_sign},
    )


@require_http_methods(["GET"])
@clinic_member_required()
def screening_detail(
    request: HttpRequest, patient_id: uuid.UUID, screening_id: uuid.UUID
) -> HttpResponse:
    screening = get_screening_for(request, patient_id, screening_id)
    patient = screening.patient
    current = current_screening(patient)
    state = dict(screening_rows([screening] + ([current] if current else [])))[screening]
    items = [(item, screening.answers.get(item.key, {})) for item in SCREENING_ITEMS]
    audit_read(request, "screening", patient, screening, "Eligibility screening opened")
    role = current_role(request)
    return render(
        request,
        "patients/screening_detail.html",
        {
            "patient": patient,
            "screening": screening,
            "state": state,
            "items": items,
            "can_sign": role == Role.PRESCRIBER and state == "awaiting_signature",
            "can_void": role in CLINICAL_ROLES
            and state != "entered_in_error"
            and (role == Role.PRESCRIBER or not screening.is_signed),
        },
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def sign_screening(
    request: HttpRequest, patient_id: uuid.UUID, screening_id: uuid.UUID
) -> HttpResponse:
    screening = get_screening_for(request, patient_id, screening_id)
    if request.method == "POST":
        # A non-prescriber is refused with 403 and the reason; nothing changes.
        try:
            actions.sign_screening(actor=request.user, screening=screening, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Screening signed. It is now final.")
    return redirect("patients:screening", patient_id=patient_id, screening_id=screening_id)


@require_http_methods(GET_POST)
@clinic_member_required()
def screening_error(
    request: HttpRequest, patient_id: uuid.UUID, screening_id: uuid.UUID
) -> HttpResponse:
    screening = get_screening_for(request, patient_id, screening_id)
    role = require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    if screening.is_signed and role != Role.PRESCRIBER:
        require(request, [Role.PRESCRIBER], actions.PRESCRIBER_VOIDS_SIGNED)
    return _entered_in_error(
        request,
        screening.patient,
        screening,
        "Eligibility screening",
        actions.mark_screening_entered_in_error,
        screening=screening,
    )


# --- Consent documents -----------------------------------------------------------------------


@require_http_methods(["GET"])
@clinic_member_required()
def consent_documents(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    documents = list(
        ConsentDocument.objects.filter(clinic=clinic)
        .select_related("created_by")
        .order_by("kind", "-version")
    )
    latest = latest_consent_documents(clinic)
    groups = [
        (label, [(d, latest.get(kind) == d) for d in documents if d.kind == kind])
        for kind, label in ConsentKind.choices
    ]
    can_write = current_role(request) in (Role.CLINIC_ADMIN, Role.PRESCRIBER)
    return render(
        request, "patients/consent_documents.html", {"groups": groups, "can_write": can_write}
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def new_consent_document(request: HttpRequest) -> HttpResponse:
    require(request, [Role.CLINIC_ADMIN, Role.PRESCRIBER], actions.DOCUMENT_AUTHORS)
    clinic = request.clinic
    form = ConsentDocumentForm(
        request.POST if request.method == "POST" else None, initial=_revision_of(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.create_consent_document(
                actor=request.user, clinic=clinic, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{document.title} saved as version {document.version}.")
            return redirect("patients:consent_document", document_id=document.public_id)
    return render(request, "patients/consent_document_form.html", {"form": form})


def _revision_of(request: HttpRequest) -> dict[str, str]:
    """Start a new version from this clinic's earlier one (``?from=<public id>``), if given."""
    try:
        source_id = uuid.UUID(request.GET.get("from", ""))
    except ValueError:
        return {}
    source = ConsentDocument.objects.filter(public_id=source_id, clinic=request.clinic).first()
    return {"kind": source.kind, "title": source.title, "body": source.body} if source else {}


@require_http_methods(["GET"])
@clinic_member_required()
def consent_document(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    document = get_document_for(request, document_id)
    latest = latest_consent_documents(document.clinic_id).get(document.kind)
    can_write = current_role(request) in (Role.CLINIC_ADMIN, Role.PRESCRIBER)
    return render(
        request,
        "patients/consent_document_detail.html",
        {"document": document, "latest": latest, "can_write": can_write},
    )


# --- Patient consent -------------------------------------------------------------------------


@require_http_methods(GET_POST)
@clinic_member_required()
def new_consent(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    documents = list(latest_consent_documents(patient.clinic_id).values())
    # ``?kind=touch`` preselects that document, e.g. from the chart's consent panel.
    preselected = next(
        (str(d.public_id) for d in documents if d.kind == request.GET.get("kind")), None
    )
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        patient=patient,
        documents=documents,
        initial={"document": preselected},
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = actions.record_consent(
                actor=request.user,
                patient=patient,
                document=form.chosen_document,
                decision=form.cleaned_data["decision"],
                signed_name=form.cleaned_data["signed_name"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{consent.document.get_kind_display()}: "
                f"“{consent.get_decision_display()}” recorded.",
            )
            return redirect(chart_url(patient))
    return render(
        request,
        "patients/consent_form.html",
        {"form": form, "patient": patient, "documents": documents},
    )


@require_http_methods(["GET"])
@clinic_member_required()
def consent_detail(
    request: HttpRequest, patient_id: uuid.UUID, consent_id: uuid.UUID
) -> HttpResponse:
    consent = get_consent_for(request, patient_id, consent_id)
    patient = consent.patient
    latest = latest_consent_documents(patient.clinic_id).get(consent.document.kind)
    audit_read(request, "consent", patient, consent, "Consent opened")
    return render(
        request,
        "patients/consent_detail.html",
        {
            "patient": patient,
            "consent": consent,
            "latest": latest,
            "can_void": current_role(request) in CLINICAL_ROLES
            and consent.status == RecordStatus.FINAL,
        },
    )


@require_http_methods(GET_POST)
@clinic_member_required()
def consent_error(
    request: HttpRequest, patient_id: uuid.UUID, consent_id: uuid.UUID
) -> HttpResponse:
    consent = get_consent_for(request, patient_id, consent_id)
    require(request, CLINICAL_ROLES, actions.CLINICIANS_ONLY)
    return _entered_in_error(
        request,
        consent.patient,
        consent,
        f"{consent.document.get_kind_display()} consent",
        actions.mark_consent_entered_in_error,
        consent=consent,
    )
