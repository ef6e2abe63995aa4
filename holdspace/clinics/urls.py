from django.urls import path

from holdspace.clinics import views

app_name = "clinics"
urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/switch/", views.switch_clinic, name="switch"),
    path("theme/", views.set_theme, name="theme"),
    path("clinic/staff/", views.staff, name="staff"),
    path("clinic/staff/invite/", views.invite_staff, name="invite_staff"),
    path("clinic/staff/<uuid:membership_id>/", views.staff_member, name="staff_member"),
    path("clinic/devices/", views.devices, name="devices"),
    path("clinic/devices/<uuid:device_id>/", views.device, name="device"),
    # The wall board's own sign-in link and its one page (see DEVICE_ALLOWED_PREFIXES).
    path("device/<str:token>/", views.device_sign_in, name="device_sign_in"),
    path("board/", views.board, name="board"),
]
