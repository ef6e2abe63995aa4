from django.urls import path

from holdspace.measures import outcome_views, progress, schedule_views, summary_views
from holdspace.measures import views as admin_views

app_name = "measures"

# measures-administration: a patient's questionnaires, results, safety flags and the kiosk.
# Kwarg names are fixed (the security matrix builds from them): administration_id, flag_id,
# link_id.
PATIENT = "patients/<uuid:patient_id>/measures/"
ADMINISTRATION = PATIENT + "<uuid:administration_id>/"
administration_urls = [
    path(PATIENT, admin_views.patient_measures, name="patient_measures"),
    path(PATIENT + "new/", admin_views.new_administration, name="new_administration"),
    path(PATIENT + "send-link/", admin_views.send_link, name="send_link"),
    path(PATIENT + "kiosk/", admin_views.hand_all_to_patient, name="hand_all_to_patient"),
    path(PATIENT + "links/<uuid:link_id>/cancel/", admin_views.revoke_link, name="revoke_link"),
    path(PATIENT + "flags/<uuid:flag_id>/", admin_views.flag_detail, name="flag"),
    path(ADMINISTRATION, admin_views.administration_detail, name="administration"),
    path(ADMINISTRATION + "enter/", admin_views.enter_answers, name="enter"),
    path(
        ADMINISTRATION + "entered-in-error/",
        admin_views.administration_error,
        name="administration_error",
    ),
    path(ADMINISTRATION + "kiosk/", admin_views.hand_to_patient, name="hand_to_patient"),
    path("measures/kiosk/locked/", admin_views.kiosk_locked, name="kiosk_locked"),
    path("measures/kiosk/<str:token>/", admin_views.kiosk, name="kiosk"),
    path("measures/kiosk/<str:token>/save/", admin_views.kiosk_save, name="kiosk_save"),
]
# measures-schedules: the clinic's schedule rules (kwarg rule_id), a patient's outcomes and the
# progress report for the referring clinician.
schedule_urls = [
    path("measures/schedules/", schedule_views.schedules, name="schedules"),
    path("measures/schedules/new/", schedule_views.add_rule, name="add_schedule_rule"),
    path(
        "measures/schedules/defaults/",
        schedule_views.save_defaults,
        name="save_schedule_defaults",
    ),
    path(
        "measures/schedules/<uuid:rule_id>/",
        schedule_views.change_rule,
        name="change_schedule_rule",
    ),
    path(
        "patients/<uuid:patient_id>/outcomes/",
        outcome_views.outcomes_page,
        name="patient_outcomes",
    ),
    path(
        "patients/<uuid:patient_id>/outcomes/progress-report.pdf",
        progress.progress_report,
        name="progress_report",
    ),
]
urlpatterns: list = [
    path("measures/outcomes/", summary_views.outcome_summary, name="outcome_summary"),
    *schedule_urls,
    *administration_urls,
]
