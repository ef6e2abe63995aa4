from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "holdspace.clinics"
    label = "clinics"
    verbose_name = "Clinics, chairs and staff"
