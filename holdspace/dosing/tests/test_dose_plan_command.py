"""`holdspace dose-plan`: the calculator pharmacists and nurses double-check with."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]
WORKED_EXAMPLE = [
    "--json",
    "--weight-kg",
    "80",
    "--mg-per-kg",
    "0.5",
    "--minutes",
    "40",
    "--stock-mg-ml",
    "50",
    "--bag-ml",
    "100",
]
KEYS = {
    "dosing_weight_kg",
    "basis",
    "dose_mg",
    "drawn_ml",
    "total_ml",
    "concentration_mg_ml",
    "rate_ml_h",
    "duration_min",
    "warnings",
}


def plan(*args: str) -> dict:
    out = StringIO()
    call_command("dose_plan", *args, stdout=out)
    return json.loads(out.getvalue())


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("dose_plan", *args, stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 2
    return caught.value


def test_the_published_example_gives_151_2_ml_per_hour():
    result = plan(*WORKED_EXAMPLE)
    assert set(result) >= KEYS
    assert result["dosing_weight_kg"] == 80.0
    assert result["basis"] == "actual"
    assert result["dose_mg"] == 40.0
    assert result["drawn_ml"] == 0.8
    assert result["total_ml"] == 100.8
    assert result["concentration_mg_ml"] == 0.397
    assert result["rate_ml_h"] == 151.2
    assert result["duration_min"] == 40.0
    assert result["warnings"] == []
    assert result["hard_stops"] == []


def test_the_console_script_prints_the_same_json_and_exits_0():
    done = subprocess.run(
        [sys.executable, "-m", "holdspace.cli", "dose-plan", *WORKED_EXAMPLE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rate_ml_h"] == 151.2


def test_the_console_script_refuses_bad_input_on_stderr_with_status_2():
    args = ["--json", "--weight-kg", "eighty", "--mg-per-kg", "0.5", "--minutes", "40"]
    done = subprocess.run(
        [sys.executable, "-m", "holdspace.cli", "dose-plan", *args, "--concentration-mg-ml", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "--weight-kg must be a number (got 'eighty')" in done.stderr


def test_premixed_over_hours_in_mg_per_kg_per_hour_crps():
    result = plan(
        "--json",
        "--weight-kg",
        "70",
        "--mg-per-kg-per-h",
        "0.35",
        "--hours",
        "4",
        "--concentration-mg-ml",
        "1",
    )
    # 0.35 mg/kg/h x 70 kg x 4 h = 98 mg = 98 mL at 1 mg/mL over 240 min = 24.5 mL/h.
    assert (result["dose_mg"], result["total_ml"], result["rate_ml_h"]) == (98.0, 98.0, 24.5)
    assert result["drawn_ml"] is None
    assert result["duration_min"] == 240.0


def test_fixed_mg_per_hour():
    result = plan(
        "--json",
        "--weight-kg",
        "70",
        "--mg-per-h",
        "22",
        "--hours",
        "4",
        "--concentration-mg-ml",
        "1",
    )
    assert result["dose_mg"] == 88.0 and result["rate_ml_h"] == 22.0


def test_ideal_basis_is_stamped_and_used():
    result = plan(
        "--json",
        "--weight-kg",
        "120",
        "--height-cm",
        "177.8",
        "--sex",
        "male",
        "--basis",
        "ideal",
        "--mg-per-kg",
        "0.5",
        "--minutes",
        "40",
        "--concentration-mg-ml",
        "1",
    )
    # Devine: 50 kg + 2.3 kg x 10 in = 73 kg.
    assert result["basis"] == "ideal" and result["dosing_weight_kg"] == 73.0
    assert result["dose_mg"] == 36.5


def test_a_cap_breach_is_reported_as_a_hard_stop():
    result = plan(*WORKED_EXAMPLE, "--max-mg-per-kg", "0.4")
    assert result["hard_stops"] == ["Dose 0.50 mg/kg exceeds the protocol cap of 0.40 mg/kg"]


def test_plain_text_without_json():
    out = StringIO()
    call_command("dose_plan", *WORKED_EXAMPLE[1:], stdout=out)
    assert "Pump rate      151.2 mL/h for 40 min" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weight-kg", "0"], "--weight-kg must be a number greater than zero (got '0')"),
        (["--weight-kg", "-80"], "--weight-kg must be a number greater than zero"),
        (["--weight-kg", "NaN"], "--weight-kg must be a number greater than zero"),
    ],
)
def test_impossible_weights_are_refused(args, message):
    rest = ["--mg-per-kg", "0.5", "--minutes", "40", "--concentration-mg-ml", "1"]
    assert message in str(refused("--json", *args, *rest))


def test_two_dose_modes_are_refused():
    error = refused(
        "--weight-kg",
        "80",
        "--mg-per-kg",
        "0.5",
        "--mg-per-h",
        "20",
        "--minutes",
        "40",
        "--concentration-mg-ml",
        "1",
    )
    assert "Give exactly one of --mg-per-kg, --mg-per-kg-per-h, --mg-per-h" in str(error)


def test_no_duration_or_both_durations_are_refused():
    base = ["--weight-kg", "80", "--mg-per-kg", "0.5", "--concentration-mg-ml", "1"]
    assert "Give exactly one of --minutes, --hours" in str(refused(*base))
    assert "Give exactly one of --minutes, --hours" in str(
        refused(*base, "--minutes", "40", "--hours", "1")
    )


def test_a_bag_without_its_volume_is_refused():
    error = refused(
        "--weight-kg", "80", "--mg-per-kg", "0.5", "--minutes", "40", "--stock-mg-ml", "50"
    )
    assert "--stock-mg-ml with --bag-ml" in str(error)


def test_another_basis_without_height_and_sex_is_refused():
    error = refused(
        "--weight-kg",
        "80",
        "--basis",
        "lean",
        "--mg-per-kg",
        "0.5",
        "--minutes",
        "40",
        "--concentration-mg-ml",
        "1",
    )
    assert "--basis lean needs --height-cm and --sex" in str(error)
