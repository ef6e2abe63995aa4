from django.apps import AppConfig


class TherapyConfig(AppConfig):
    """Preparation, the support plan, integration, goals, alliance and the patient's journal."""

    name = "holdspace.therapy"
    label = "therapy"
    verbose_name = "Therapy"
