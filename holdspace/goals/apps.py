from django.apps import AppConfig


class GoalsConfig(AppConfig):
    """SMART goals with check-ins, and the alliance (session feedback) trend and its review."""

    name = "holdspace.goals"
    label = "goals"
    verbose_name = "Goals and alliance"

    def ready(self) -> None:
        from holdspace.goals import worklist
        from holdspace.worklist import registry

        registry.register("goals_without_checkin", worklist.goals_without_recent_checkin)
        registry.register("low_alliance", worklist.low_alliance_feedback)
