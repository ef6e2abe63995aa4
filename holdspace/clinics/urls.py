from django.urls import path

from holdspace.clinics import views

app_name = "clinics"
urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/switch/", views.switch_clinic, name="switch"),
    path("theme/", views.set_theme, name="theme"),
    path("clinic/staff/", views.home, name="staff"),
    path("clinic/devices/", views.home, name="devices"),
]
