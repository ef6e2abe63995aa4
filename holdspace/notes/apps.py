from django.apps import AppConfig


class NotesConfig(AppConfig):
    """Therapy notes (signed, addenda) and psychotherapy notes (encrypted, author-only).

    A separate app from `therapy` on purpose: psychotherapy notes are the most sensitive data in
    holdspace, and keeping their store, encryption and access rules in one small app makes it
    possible to check by reading one folder that nothing else can reach them.
    """

    name = "holdspace.notes"
    label = "notes"
    verbose_name = "Clinical and psychotherapy notes"

    def ready(self) -> None:
        from holdspace.notes import crypto

        # A malformed key stops start-up naming the variable, not the first note written.
        crypto.check_configured_key()
