from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "holdspace.patients"
    label = "patients"
    verbose_name = "Patients"
