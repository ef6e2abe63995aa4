"""`holdspace delivered-dose`: mg and mL delivered, reconstructed from pump events."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]
# The worked example's bag: 40 mg in 100.8 mL.
CONCENTRATION = str(40 / 100.8)[:10]


def events_file(tmp_path, events) -> str:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events))
    return str(path)


def delivered(path: str, *extra: str) -> dict:
    out = StringIO()
    call_command(
        "delivered_dose", "--json", "--concentration-mg-ml", "0.5", path, *extra, stdout=out
    )
    return json.loads(out.getvalue())


AS_PLANNED = [
    {"at": "2026-11-28T09:00:00-05:00", "action": "start", "rate_ml_h": 151.2},
    {"at": "2026-11-28T09:40:00-05:00", "action": "stop"},
]


def test_the_pump_run_as_planned_delivers_the_planned_volume(tmp_path):
    result = delivered(events_file(tmp_path, AS_PLANNED))
    # 151.2 mL/h for 40 minutes = 100.8 mL; at 0.5 mg/mL = 50.4 mg.
    assert result["delivered_ml"] == 100.8
    assert result["delivered_mg"] == 50.4
    assert result["state"] == "stopped"


def test_a_pause_delivers_nothing_while_paused(tmp_path):
    events = [
        {"at": "2026-11-28T09:00:00Z", "action": "start", "rate_ml_h": 120},
        {"at": "2026-11-28T09:10:00Z", "action": "pause"},
        {"at": "2026-11-28T09:20:00Z", "action": "resume"},
        {"at": "2026-11-28T09:30:00Z", "action": "rate", "rate_ml_h": 60},
        {"at": "2026-11-28T09:40:00Z", "action": "stop"},
    ]
    # 120 mL/h x 10 min + 120 x 10 + 60 x 10 = 20 + 20 + 10 = 50 mL.
    result = delivered(events_file(tmp_path, events))
    assert (result["delivered_ml"], result["delivered_mg"]) == (50.0, 25.0)


def test_at_an_instant_for_a_running_pump(tmp_path):
    events = [{"at": "2026-11-28T09:00:00Z", "action": "start", "rate_ml_h": 60}]
    result = delivered(events_file(tmp_path, events), "--at", "2026-11-28T09:30:00Z")
    assert result["delivered_ml"] == 30.0 and result["state"] == "running"


def test_an_impossible_sequence_names_the_event_and_exits_2(tmp_path):
    events = [*AS_PLANNED, {"at": "2026-11-28T09:41:00-05:00", "action": "rate", "rate_ml_h": 90}]
    with pytest.raises(CommandError) as caught:
        delivered(events_file(tmp_path, events))
    assert caught.value.returncode == 2
    assert str(caught.value) == (
        "Event 3 (rate change at 09:41): the pump is stopped, so the rate cannot change"
    )


def test_time_going_backwards_is_refused(tmp_path):
    events = [
        {"at": "2026-11-28T09:00:00Z", "action": "start", "rate_ml_h": 60},
        {"at": "2026-11-28T08:59:00Z", "action": "stop"},
    ]
    with pytest.raises(CommandError, match=r"Event 2 .* earlier than event 1"):
        delivered(events_file(tmp_path, events))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"at": 1}', "must hold a list of pump events"),
        ('[{"at": "yesterday", "action": "start"}]', "Event 1: “at” must be an ISO-8601 time"),
        ('[{"at": "2026-11-28T09:00:00Z", "action": "boost"}]', "“action” must be one of"),
        ('[{"at": "2026-11-28T09:00:00", "action": "start", "rate_ml_h": 5}]', "no time zone"),
    ],
)
def test_malformed_files_are_refused_with_status_2(tmp_path, content, message):
    path = tmp_path / "events.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message) as caught:
        delivered(str(path))
    assert caught.value.returncode == 2


def test_the_console_script_reports_a_missing_file_on_stderr_with_status_2(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "holdspace.cli",
            "delivered-dose",
            "--json",
            "--concentration-mg-ml",
            "0.5",
            str(tmp_path / "missing.json"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Cannot read" in done.stderr and "missing.json" in done.stderr


def test_the_console_script_prints_delivered_mg_and_ml(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "holdspace.cli",
            "delivered-dose",
            "--json",
            "--concentration-mg-ml",
            "0.5",
            events_file(tmp_path, AS_PLANNED),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["delivered_mg"], result["delivered_ml"]) == (50.4, 100.8)
