from django.urls import path

from holdspace.infusions import record_views, views

app_name = "infusions"

_session = "sessions/<uuid:session_id>/"

urlpatterns = [
    path("sessions/today/", views.today, name="today"),
    path("orders/<uuid:order_id>/schedule/", views.schedule, name="schedule"),
    path(_session, views.console, name="console"),
    path(f"{_session}chart/", views.chart, name="chart"),
    path(f"{_session}check-in/", views.check_in, name="check_in"),
    path(f"{_session}start/", views.start, name="start"),
    path(f"{_session}pump/", views.pump, name="pump"),
    path(f"{_session}vitals/", views.vitals, name="vitals"),
    path(f"{_session}state/", views.patient_state, name="state"),
    path(f"{_session}support/", views.support, name="support"),
    path(
        f"{_session}support/<uuid:entry_id>/response/",
        views.support_response,
        name="support_response",
    ),
    path(f"{_session}statements/", views.statement, name="statement"),
    path(f"{_session}adverse-events/", views.adverse_event, name="adverse_event"),
    path(
        f"{_session}adverse-events/<uuid:entry_id>/resolve/",
        views.resolve_adverse_event,
        name="resolve_adverse_event",
    ),
    path(f"{_session}rescue/", views.rescue, name="rescue"),
    path(
        f"{_session}alerts/<uuid:alert_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path(f"{_session}entries/<uuid:entry_id>/time/", views.correct_time, name="correct_time"),
    path(
        f"{_session}entries/<uuid:entry_id>/error/",
        views.entered_in_error,
        name="entered_in_error",
    ),
    path(f"{_session}recovery/", views.recovery, name="recovery"),
    path(f"{_session}discharge/", views.discharge, name="discharge"),
    path(f"{_session}abort/", views.abort, name="abort"),
    path(f"{_session}sign/", views.sign, name="sign"),
    path(f"{_session}addenda/", views.addendum, name="addendum"),
    path(f"{_session}record.pdf", record_views.record_pdf, name="record_pdf"),
]
