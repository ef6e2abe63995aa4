"""Goals and alliance routes. Kwarg names are fixed (the security matrix builds on them):
patient_id, goal_id, feedback_id (a completed session-feedback Administration)."""

from django.urls import path

from holdspace.goals import views

app_name = "goals"

GOALS = "patients/<uuid:patient_id>/goals/"
GOAL = GOALS + "<uuid:goal_id>/"
ALLIANCE = "patients/<uuid:patient_id>/alliance/"

urlpatterns = [
    path(GOALS, views.goals_list, name="list"),
    path(GOALS + "new/", views.new_goal, name="new"),
    path(GOAL, views.goal_detail, name="detail"),
    path(GOAL + "check-in/", views.checkin, name="checkin"),
    path(GOAL + "close/", views.close_goal, name="close"),
    path(GOAL + "revise/", views.revise_goal, name="revise"),
    path(ALLIANCE, views.alliance_page, name="alliance"),
    path(ALLIANCE + "<uuid:feedback_id>/", views.review_feedback, name="review_feedback"),
]
