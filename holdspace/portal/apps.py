from django.apps import AppConfig


class PortalConfig(AppConfig):
    """What the patient sees, behind single-use expiring links with a date-of-birth check."""

    name = "holdspace.portal"
    label = "portal"
    verbose_name = "Patient portal"
