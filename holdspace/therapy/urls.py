"""The therapist's routes, under the patient's record. Object ids are public UUIDs; the kwarg
names are fixed (the security suite builds its object-access matrix from them): patient_id,
preparation_id, integration_id, plan_version_id, suggestion_id, session_id (an infusion)."""

from django.urls import path

from holdspace.therapy import views

app_name = "therapy"

THERAPY = "patients/<uuid:patient_id>/therapy/"
PREPARATION = THERAPY + "preparations/<uuid:preparation_id>/"
INTEGRATION = THERAPY + "integrations/<uuid:integration_id>/"
PLAN = THERAPY + "support-plan/"

urlpatterns = [
    path(THERAPY, views.overview, name="overview"),
    path(THERAPY + "preparations/new/", views.new_preparation, name="new_preparation"),
    path(PREPARATION, views.preparation, name="preparation"),
    path(PREPARATION + "addenda/", views.preparation_addendum, name="preparation_addendum"),
    path(PLAN, views.support_plan, name="support_plan"),
    path(PLAN + "edit/", views.edit_support_plan, name="edit_support_plan"),
    path(PLAN + "review/", views.review_support_plan, name="review_support_plan"),
    path(
        PLAN + "versions/<uuid:plan_version_id>/",
        views.support_plan_version,
        name="support_plan_version",
    ),
    path(
        PLAN + "suggestions/<uuid:suggestion_id>/decline/",
        views.decline_suggestion,
        name="decline_suggestion",
    ),
    path(
        THERAPY + "infusions/<uuid:session_id>/integration/",
        views.new_integration,
        name="new_integration",
    ),
    path(
        THERAPY + "infusions/<uuid:session_id>/integration/decline/",
        views.decline_integration,
        name="decline_integration",
    ),
    path(INTEGRATION, views.integration, name="integration"),
    path(INTEGRATION + "addenda/", views.integration_addendum, name="integration_addendum"),
]
