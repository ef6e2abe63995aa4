"""FHIR export routes. Object ids are public UUIDs (patient_id, administration_id)."""

from django.urls import path

from holdspace.interop import views

app_name = "interop"

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/measures/<uuid:administration_id>/fhir/",
        views.questionnaire_response,
        name="questionnaire_response",
    ),
]
