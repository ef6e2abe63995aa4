from django.apps import AppConfig


class JournalConfig(AppConfig):
    """The patient's private journal, written in the portal and shared only by their choice."""

    name = "holdspace.journal"
    label = "journal"
    verbose_name = "Patient journal"

    def ready(self) -> None:
        from holdspace.journal import worklist
        from holdspace.worklist import registry

        registry.register("journal_shared", worklist.shared_entries_to_read)
