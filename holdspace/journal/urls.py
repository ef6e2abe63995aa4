"""Staff routes of the journal and of the portal link (the patient's own routes are under /p/
in holdspace.portal.urls)."""

from django.urls import path

from holdspace.journal import views
from holdspace.portal import send_views

app_name = "journal"
PATIENT = "patients/<uuid:patient_id>/"
urlpatterns = [
    path(PATIENT + "journal/", views.shared_journal, name="shared"),
    path(PATIENT + "portal-link/", send_views.send, name="send_portal_link"),
]
