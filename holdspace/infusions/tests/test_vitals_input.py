"""The fast keypad's validation: impossible values are refused and the message names the field."""

import subprocess
import sys
from decimal import Decimal

import pytest

from holdspace.infusions.alerts import (
    PLAUSIBLE_RANGES,
    AlertInputError,
    VitalSigns,
    VitalsInputError,
    state_findings,
)

IMPOSSIBLE = [
    ("systolic", 400, "Systolic 400 mmHg"),
    ("systolic", 39, "Systolic 39 mmHg"),
    ("systolic", 301, "Systolic 301 mmHg"),
    ("diastolic", 19, "Diastolic 19 mmHg"),
    ("diastolic", 201, "Diastolic 201 mmHg"),
    ("heart_rate", 0, "Heart rate 0 /min"),
    ("heart_rate", 19, "Heart rate 19 /min"),
    ("heart_rate", 251, "Heart rate 251 /min"),
    ("spo2", 120, "SpO₂ 120 %"),
    ("spo2", 101, "SpO₂ 101 %"),
    ("spo2", 49, "SpO₂ 49 %"),
    ("resp_rate", 1, "Respiratory rate 1 /min"),
    ("resp_rate", 61, "Respiratory rate 61 /min"),
    ("temperature_c", Decimal("29.9"), "Temperature 29.9 °C"),
    ("temperature_c", Decimal("43.1"), "Temperature 43.1 °C"),
]


@pytest.mark.parametrize(("field", "value", "named"), IMPOSSIBLE)
def test_impossible_values_are_refused_naming_the_field(
    field: str, value: object, named: str
) -> None:
    with pytest.raises(VitalsInputError) as refused:
        VitalSigns(**{field: value})  # type: ignore[arg-type]
    assert str(refused.value).startswith(named)
    assert "outside the range the keypad accepts" in str(refused.value)


def test_an_impossible_heart_rate_is_refused_even_with_normal_other_signs() -> None:
    with pytest.raises(VitalsInputError, match="Heart rate 0 /min"):
        VitalSigns(120, 80, 0, 98, 14)


@pytest.mark.parametrize("field", ["systolic", "diastolic", "heart_rate", "spo2", "resp_rate"])
def test_both_ends_of_each_range_are_accepted(field: str) -> None:
    spec = PLAUSIBLE_RANGES[field]
    for value in (spec.low, spec.high):
        assert getattr(VitalSigns(**{field: value}), field) == value


def test_temperature_range_ends_are_accepted() -> None:
    assert VitalSigns(temperature_c=Decimal(30)).temperature_c == Decimal(30)
    assert VitalSigns(temperature_c=Decimal(43)).temperature_c == Decimal(43)


@pytest.mark.parametrize(("systolic", "diastolic"), [(110, 120), (100, 100)])
def test_a_diastolic_not_below_the_systolic_is_refused(systolic: int, diastolic: int) -> None:
    with pytest.raises(VitalsInputError, match=f"Diastolic {diastolic} mmHg is not below systolic"):
        VitalSigns(systolic=systolic, diastolic=diastolic)


def test_a_diastolic_one_below_the_systolic_is_accepted() -> None:
    assert VitalSigns(systolic=100, diastolic=99).diastolic == 99


def test_at_least_one_sign_is_required() -> None:
    with pytest.raises(VitalsInputError, match="at least one"):
        VitalSigns()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("systolic", 120.0, "Systolic"),
        ("heart_rate", True, "Heart rate"),
        ("spo2", "98", "SpO₂"),
        ("resp_rate", Decimal(14), "Respiratory rate"),
        ("temperature_c", 37.2, "Temperature"),
        ("temperature_c", Decimal("NaN"), "Temperature"),
    ],
)
def test_wrong_types_are_refused_naming_the_field(field: str, value: object, named: str) -> None:
    with pytest.raises(VitalsInputError, match=named):
        VitalSigns(**{field: value})  # type: ignore[arg-type]


def test_vitals_errors_are_alert_input_errors_and_value_errors() -> None:
    assert issubclass(VitalsInputError, AlertInputError)
    assert issubclass(AlertInputError, ValueError)


@pytest.mark.parametrize(("anxiety", "dissociation"), [(11, None), (None, -1), (True, None)])
def test_state_ratings_outside_0_to_10_are_refused(
    anxiety: int | None, dissociation: int | None
) -> None:
    with pytest.raises(AlertInputError, match="from 0 to 10"):
        state_findings(anxiety, dissociation)


def test_the_engines_import_no_django() -> None:
    code = (
        "import sys\n"
        "import holdspace.infusions.alerts, holdspace.infusions.lifecycle\n"
        "import holdspace.infusions.checkin, holdspace.infusions.discharge\n"
        "import holdspace.infusions.ladder\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
