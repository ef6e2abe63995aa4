from django.apps import AppConfig


class TherapyConfig(AppConfig):
    """Preparation, the support plan, integration, goals, alliance and the patient's journal."""

    name = "holdspace.therapy"
    label = "therapy"
    verbose_name = "Therapy"

    def ready(self) -> None:
        from holdspace.therapy.queries import integration_worklist
        from holdspace.worklist import registry

        registry.register("therapy.integrations_due", integration_worklist)
