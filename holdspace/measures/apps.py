from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    """Instruments (as data files), the pure scoring and outcome engines, administrations."""

    name = "holdspace.measures"
    label = "measures"
    verbose_name = "Measurement-based care"

    def ready(self) -> None:
        # measures-schedules: overdue questionnaires and booster suggestions (CLINICAL.md §5).
        from holdspace.measures.outcome_views import suggestion_items
        from holdspace.measures.scheduling import overdue_items
        from holdspace.worklist import registry

        registry.register("measures_overdue", overdue_items)
        registry.register("measures_booster_suggestions", suggestion_items)

        # measures-administration: unacknowledged safety flags (CLINICAL.md §4), urgency SAFETY.
        from holdspace.measures.queries import safety_flag_items

        registry.register("measures_safety_flags", safety_flag_items)
