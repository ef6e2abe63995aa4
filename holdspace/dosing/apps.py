from django.apps import AppConfig


class DosingConfig(AppConfig):
    """The pure dose engine (engine.py) and the protocols, courses and orders built on it."""

    name = "holdspace.dosing"
    label = "dosing"
    verbose_name = "Dosing, protocols and orders"
