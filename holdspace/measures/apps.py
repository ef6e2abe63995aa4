from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    """Instruments (as data files), the pure scoring and outcome engines, administrations."""

    name = "holdspace.measures"
    label = "measures"
    verbose_name = "Measurement-based care"
