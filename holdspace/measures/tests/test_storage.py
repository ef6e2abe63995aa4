"""Instruments in the database: shipped ones present everywhere, loading idempotent, versions
kept, clinic imports validated (real database)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from holdspace.measures.instruments import SHIPPED_IDS
from holdspace.measures.models import Instrument, InstrumentVersion
from holdspace.measures.store import (
    CREATED,
    NEW_VERSION,
    RESTORED,
    UNCHANGED,
    load_shipped,
    store_instrument,
)
from holdspace.measures.tests.builders import instrument_data, shipped_data

pytestmark = pytest.mark.django_db


def command(*args):
    out, err = StringIO(), StringIO()
    call_command("instruments", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_migration_loaded_every_shipped_instrument():
    assert set(Instrument.objects.values_list("key", flat=True)) >= set(SHIPPED_IDS)
    phq9 = Instrument.objects.get(key="phq9")
    assert phq9.origin == "shipped"
    assert phq9.current_version().parsed().short_name == "PHQ-9"
    qids = Instrument.objects.get(key="qids_sr16")
    assert qids.licence_ships_text is False


def test_loading_the_shipped_files_again_changes_nothing():
    before = list(InstrumentVersion.objects.values_list("pk", "sha256", "is_current"))
    updated = list(Instrument.objects.values_list("pk", "updated_at"))
    outcomes = load_shipped()
    assert {outcome.action for outcome in outcomes} == {UNCHANGED}
    assert list(InstrumentVersion.objects.values_list("pk", "sha256", "is_current")) == before
    assert list(Instrument.objects.values_list("pk", "updated_at")) == updated


def test_a_changed_file_becomes_a_new_version_and_the_old_one_is_kept():
    data = shipped_data("gad7")
    data["resource"]["version"] = "1.0.1"
    data["notes"].append("A clarified note.")
    outcome = store_instrument(data, "shipped")
    assert (outcome.action, outcome.revision) == (NEW_VERSION, 2)
    versions = list(InstrumentVersion.objects.filter(instrument__key="gad7"))
    assert [(v.revision, v.version, v.is_current) for v in versions] == [
        (1, "1.0.0", False),
        (2, "1.0.1", True),
    ]
    # Loading the shipped file again makes revision 1 current again, without a third row.
    (gad7,) = [o for o in load_shipped() if o.key == "gad7"]
    assert (gad7.action, gad7.revision) == (RESTORED, 1)
    assert InstrumentVersion.objects.filter(instrument__key="gad7").count() == 2


def test_changed_content_with_an_unchanged_version_string_is_stored_with_a_warning():
    data = shipped_data("gad7")
    data["notes"].append("Edited without raising the version.")
    outcome = store_instrument(data, "shipped")
    assert outcome.action == NEW_VERSION
    assert any("did not; stored as revision 2" in w for w in outcome.warnings)


def test_stored_versions_cannot_be_rewritten_or_removed():
    version = InstrumentVersion.objects.get(instrument__key="phq9", is_current=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        InstrumentVersion.objects.filter(pk=version.pk).update(content={"tampered": True})
    with pytest.raises(DatabaseError), transaction.atomic():
        InstrumentVersion.objects.filter(pk=version.pk).delete()
    version.refresh_from_db()
    assert version.content["id"] == "phq9"


def test_import_stores_a_clinic_file_and_lists_it(tmp_path):
    path = tmp_path / "clinic_scale.json"
    path.write_text(json.dumps(instrument_data()))
    out, err = command("import", str(path))
    assert "clinic_scale: created (revision 1, version 1)" in out
    assert "no LOINC code" in err  # a warning, not a failure
    assert command("import", str(path))[0].startswith("clinic_scale: unchanged")
    listing = json.loads(command("list", "--json")[0])
    (row,) = [r for r in listing if r["instrument"] == "clinic_scale"]
    assert (row["origin"], row["current_revision"], row["revisions"]) == ("imported", 1, 1)


def test_an_imported_instrument_can_be_scored_from_the_shell(tmp_path):
    path = tmp_path / "clinic_scale.json"
    path.write_text(json.dumps(instrument_data()))
    command("import", str(path))
    out = StringIO()
    call_command("score", "clinic_scale", "--answers", "3,2,1,0", "--json", stdout=out)
    assert json.loads(out.getvalue())["total"] == 6


def test_import_of_an_invalid_file_exits_2_listing_every_problem(tmp_path):
    data = instrument_data()
    del data["resource"]["item"][0]["answerOption"][2]["valueCoding"]["extension"]
    data["scoring"]["bands"] = [
        {"min": 0, "max": 6, "label": "low"},
        {"min": 6, "max": 12, "label": "high"},
    ]
    data["scoring"]["bands_source"] = "test"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("instruments", "import", str(path), stdout=StringIO(), stderr=err)
    assert error.value.returncode == 2
    assert "item 'q1' answer option 3 has no weight (ordinalValue or itemWeight)" in err.getvalue()
    assert "severity bands overlap at 6" in err.getvalue()
    assert not Instrument.objects.filter(key="clinic_scale").exists()


def test_import_cannot_take_over_a_shipped_instrument(tmp_path):
    path = tmp_path / "phq9.json"
    path.write_text(json.dumps(shipped_data("phq9")))
    with pytest.raises(CommandError, match="'phq9' is shipped with holdspace") as error:
        command("import", str(path))
    assert error.value.returncode == 2


def test_import_of_unreadable_json_exits_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(CommandError, match="not valid JSON") as error:
        command("import", str(path))
    assert error.value.returncode == 2


def test_load_command_reports_each_instrument():
    out, _err = command("load")
    assert "phq9: unchanged (revision 1, version 1.0.0)" in out
    assert json.loads(command("load", "--json")[0])[0]["action"] in {CREATED, UNCHANGED}
