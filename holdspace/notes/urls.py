"""Notes routes. Kwarg names are fixed (the security matrix builds on them): patient_id,
note_id (a therapy note), psychotherapy_note_id (a private psychotherapy note)."""

from django.urls import path

from holdspace.notes import views

app_name = "notes"

NOTES = "patients/<uuid:patient_id>/notes/"
NOTE = NOTES + "<uuid:note_id>/"
PRIVATE = "patients/<uuid:patient_id>/private-notes/"
PRIVATE_NOTE = PRIVATE + "<uuid:psychotherapy_note_id>/"

urlpatterns = [
    path(NOTES, views.notes_list, name="list"),
    path(NOTES + "new/", views.new_note, name="new"),
    path(NOTE, views.note_detail, name="detail"),
    path(NOTE + "edit/", views.edit_note, name="edit"),
    path(NOTE + "sign/", views.sign_note, name="sign"),
    path(NOTE + "addenda/", views.add_addendum, name="add_addendum"),
    path(PRIVATE + "new/", views.new_private_note, name="private_new"),
    path(PRIVATE_NOTE, views.private_detail, name="private_detail"),
    path(PRIVATE_NOTE + "edit/", views.edit_private_note, name="private_edit"),
    path(PRIVATE_NOTE + "sign/", views.sign_private_note, name="private_sign"),
    path("notes/supervisors/", views.supervisors, name="supervisors"),
]
