from django.urls import path

from holdspace.worklist import views

app_name = "worklist"
urlpatterns = [
    path("", views.worklist, name="worklist"),
]
