from django.apps import AppConfig


class InteropConfig(AppConfig):
    """FHIR R4 mappers at the boundary (never the storage model)."""

    name = "holdspace.interop"
    label = "interop"
    verbose_name = "Interoperability (FHIR)"
