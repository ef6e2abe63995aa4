"""Patient record routes. Object ids are public UUIDs; kwarg names are fixed (the security
suite builds its object-access matrix from them): patient_id, observation_id, indication_id,
screening_id, consent_id (a patient's consent), document_id (a consent document)."""

from django.urls import path

from holdspace.patients import views

app_name = "patients"

PATIENT = "<uuid:patient_id>/"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.new_patient, name="new"),
    path("consent-documents/", views.consent_documents, name="consent_documents"),
    path("consent-documents/new/", views.new_consent_document, name="new_consent_document"),
    path("consent-documents/<uuid:document_id>/", views.consent_document, name="consent_document"),
    path(PATIENT, views.chart, name="chart"),
    path(PATIENT + "edit/", views.edit_patient, name="edit"),
    path(PATIENT + "status/", views.change_status, name="status"),
    path(PATIENT + "care-team/", views.care_team, name="care_team"),
    path(PATIENT + "measurements/", views.record_measurement, name="record_measurement"),
    path(
        PATIENT + "measurements/<uuid:observation_id>/entered-in-error/",
        views.observation_error,
        name="observation_error",
    ),
    path(PATIENT + "indications/new/", views.add_indication, name="add_indication"),
    path(
        PATIENT + "indications/<uuid:indication_id>/entered-in-error/",
        views.indication_error,
        name="indication_error",
    ),
    path(PATIENT + "screenings/new/", views.new_screening, name="new_screening"),
    path(PATIENT + "screenings/<uuid:screening_id>/", views.screening_detail, name="screening"),
    path(
        PATIENT + "screenings/<uuid:screening_id>/sign/",
        views.sign_screening,
        name="sign_screening",
    ),
    path(
        PATIENT + "screenings/<uuid:screening_id>/entered-in-error/",
        views.screening_error,
        name="screening_error",
    ),
    path(PATIENT + "consents/new/", views.new_consent, name="new_consent"),
    path(PATIENT + "consents/<uuid:consent_id>/", views.consent_detail, name="consent"),
    path(
        PATIENT + "consents/<uuid:consent_id>/entered-in-error/",
        views.consent_error,
        name="consent_error",
    ),
]
