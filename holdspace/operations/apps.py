from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: the web server, the task worker and backups."""

    name = "holdspace.operations"
    label = "operations"
