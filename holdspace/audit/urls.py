from django.urls import path

from holdspace.clinics import views

app_name = "audit"
urlpatterns = [path("", views.home, name="report")]
