from django.apps import AppConfig


class WorklistConfig(AppConfig):
    """The care team's worklist: one page gathering what each domain app says needs doing."""

    name = "holdspace.worklist"
    label = "worklist"
    verbose_name = "Care-team worklist"
