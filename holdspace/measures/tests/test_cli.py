"""`holdspace score` from the shell: JSON for the published vectors, exit status 2 for bad input."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

REPO = Path(__file__).resolve().parents[3]


def run_score(*args):
    out = StringIO()
    call_command("score", *args, stdout=out)
    return out.getvalue()


def test_score_prints_the_published_phq9_vector_as_json():
    data = json.loads(run_score("phq9", "--answers", "2,2,2,2,1,1,2,0,0", "--json"))
    assert data == {
        "instrument": "phq9",
        "total": 12,
        "severity": "moderate",
        "subscales": {},
        "flags": [],
        "complete": True,
        "missing": [],
        "interpretation": "PHQ-9 12 — moderate depression symptoms",
    }


def test_score_shows_the_safety_flag_in_json_and_in_text():
    data = json.loads(run_score("phq9", "--answers", "3,3,3,3,3,3,3,3,3", "--json"))
    assert data["total"] == 27
    assert data["flags"][0]["kind"] == "safety"
    text = run_score("phq9", "--answers", "3,3,3,3,3,3,3,3,3")
    assert "[SAFETY] suicidal ideation: item 9 answered ≥ 1 — review today" in text


def test_score_prints_pcl5_clusters():
    data = json.loads(run_score("pcl5", "--answers", ",".join(["2"] * 20), "--json"))
    assert data["subscales"] == {"B": 10, "C": 4, "D": 14, "E": 12}


def test_an_empty_position_is_a_missing_answer():
    data = json.loads(run_score("gad7", "--answers", "1,,2,1,0,0,1", "--json"))
    assert data["total"] is None
    assert data["missing"] == ["gad7-2"]
    assert data["complete"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["phq9", "--answers", "1,2,3"], "takes 9 answers"),
        (["phq9", "--answers", "2,2,2,2,1,1,2,0,4"], "4 is not an allowed answer"),
        (["phq9", "--answers", "2,2,x,2,1,1,2,0,0"], "'x', not a whole number"),
        (["phq9", "--answers", "2,2,1.5,2,1,1,2,0,0"], "'1.5', not a whole number"),
    ],
)
def test_bad_input_exits_2_with_a_message(args, message):
    with pytest.raises(CommandError, match=message) as error:
        run_score(*args)
    assert error.value.returncode == 2


@pytest.mark.django_db
def test_an_unknown_instrument_exits_2_naming_the_shipped_ones():
    # Not shipped, so the command also looks for a clinic-imported instrument of that id.
    with pytest.raises(CommandError, match="unknown instrument 'madrs'; shipped") as error:
        run_score("madrs", "--answers", "1")
    assert error.value.returncode == 2


def _shell(*args):
    return subprocess.run(
        [sys.executable, "-m", "holdspace.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_console_script_scores_and_exits_0():
    done = _shell("score", "phq9", "--answers", "2,2,2,2,1,1,2,0,0", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 12


def test_the_console_script_exits_2_on_bad_input_with_the_reason_on_stderr():
    done = _shell("score", "phq9", "--answers", "2,2,2,2,1,1,2,0,9")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "allowed values are 0, 1, 2, 3" in done.stderr
