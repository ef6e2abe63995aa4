from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Live events: published in an action's transaction, streamed to screens after commit."""

    name = "holdspace.live"
    label = "live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        from holdspace.live import topics

        topics.register_builtin_topics()
