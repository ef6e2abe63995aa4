"""The patient's side, under /p/: reached only through single-use links. The `token` kwarg is a
secret checked by the views (the security matrix leaves it to the portal's own tests)."""

from django.urls import path

from holdspace.portal import home, views

app_name = "portal"
urlpatterns = [
    path("done/", views.done, name="done"),
    # portal-home (issue 6): the patient's portal, before the questionnaire link catch-all.
    path("home/", home.home, name="home"),
    path("home/start/<str:token>/", home.start, name="home_start"),
    path("home/plan/", home.plan, name="plan"),
    path("home/progress/", home.progress, name="progress"),
    path("home/journal/", home.journal, name="journal"),
    path("home/journal/share/", home.journal_share, name="journal_share"),
    path("home/goals/check-in/", home.goal_checkin, name="goal_checkin"),
    path("home/sign-out/", home.sign_out, name="sign_out"),
    path("<str:token>/", views.link, name="link"),
    path("<str:token>/save/", views.save, name="save"),
    path("<str:token>/submit/", views.submit, name="submit"),
]
