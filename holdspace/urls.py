from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from holdspace.api.api import api

urlpatterns = [
    path("", include("holdspace.clinics.urls")),
    path("accounts/", include("holdspace.accounts.urls")),
    path("patients/", include("holdspace.patients.urls")),
    path("audit/", include("holdspace.audit.urls")),
    path("", include("holdspace.dosing.urls")),
    path("", include("holdspace.infusions.urls")),
    path("live/", include("holdspace.live.urls")),
    path("worklist/", include("holdspace.worklist.urls")),
    path("", include("holdspace.measures.urls")),
    path("", include("holdspace.interop.urls")),
    path("", include("holdspace.therapy.urls")),
    path("", include("holdspace.notes.urls")),
    path("", include("holdspace.goals.urls")),
    path("", include("holdspace.journal.urls")),
    # The patient's side: no staff login, reached only through single-use links.
    path("p/", include("holdspace.portal.urls")),
    # The device API (monitor feeds), token-authenticated; OpenAPI at /api/v1/docs.
    path("api/v1/", api.urls),
    # Static files are served by the app itself: a clinic server has no separate web server to
    # configure, and the files are small and few. A reverse proxy may take this over.
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATICFILES_DIRS[0]}),
]

handler403 = "holdspace.clinics.views.permission_denied"
handler404 = "holdspace.clinics.views.not_found"
