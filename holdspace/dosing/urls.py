"""Protocol, course, order and double-check routes. Object ids are public UUIDs; the kwarg
names are fixed because the security suite builds its object-access matrix from them:
patient_id, protocol_id, course_id, order_id."""

from django.urls import path

from holdspace.dosing import views

app_name = "dosing"

PROTOCOL = "protocols/<uuid:protocol_id>/"
COURSE = "courses/<uuid:course_id>/"
ORDER = "orders/<uuid:order_id>/"

urlpatterns = [
    path("protocols/", views.protocol_list, name="protocols"),
    path("protocols/new/", views.new_protocol, name="new_protocol"),
    path("protocols/shipped/", views.add_shipped_protocols, name="add_shipped_protocols"),
    path(PROTOCOL, views.protocol_detail, name="protocol"),
    path(PROTOCOL + "edit/", views.edit_protocol, name="edit_protocol"),
    path("patients/<uuid:patient_id>/courses/new/", views.new_course, name="new_course"),
    path(COURSE, views.course_detail, name="course"),
    path(COURSE + "phase/", views.course_phase, name="course_phase"),
    path(COURSE + "orders/new/", views.new_order, name="new_order"),
    path(COURSE + "orders/preview/", views.order_preview, name="order_preview"),
    path(ORDER, views.order_detail, name="order"),
    path(ORDER + "sign/", views.sign_order, name="sign_order"),
    path(ORDER + "change/", views.change_order, name="change_order"),
    path(ORDER + "void/", views.void_order, name="void_order"),
    path(ORDER + "double-check/", views.double_check, name="double_check"),
    path(ORDER + "resolve-mismatch/", views.resolve_mismatch, name="resolve_mismatch"),
]
