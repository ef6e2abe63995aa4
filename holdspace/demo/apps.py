from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo clinic. Every name, date and number in it is invented."""

    name = "holdspace.demo"
    label = "demo"
