from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    """The live infusion: sessions, their shared timeline, alerts, recovery and discharge."""

    name = "holdspace.infusions"
    label = "infusions"
    verbose_name = "Live infusions"

    def ready(self) -> None:
        from holdspace.infusions.queries import register_live_topics

        register_live_topics()
