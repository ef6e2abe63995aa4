from django.urls import path

from holdspace.clinics import views

app_name = "patients"
urlpatterns = [path("", views.home, name="list")]
