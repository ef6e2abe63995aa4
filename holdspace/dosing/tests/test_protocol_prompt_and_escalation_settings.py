"""The therapist prompts (anxiety, dissociation) and the escalation minutes are protocol
settings: a clinic edits them like the other thresholds, empty means the project default, and a
superseded version keeps them unchangeable like the rest of its content, even by SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from holdspace.dosing.models import Protocol
from holdspace.dosing.tests.conftest import url
from holdspace.dosing.tests.test_protocol_versioning import edit_post


def edit(client, protocol, **changes):
    return client.post(
        url("edit_protocol", protocol_id=protocol.public_id), edit_post(protocol, **changes)
    )


def test_the_shipped_protocols_leave_them_to_the_project_defaults(protocols_a):
    for protocol in protocols_a.values():
        assert protocol.anxiety_prompt_at is None
        assert protocol.dissociation_prompt_at is None
        assert protocol.escalation_minutes is None


def test_the_form_shows_the_project_default_that_applies(as_prescriber_a, standard):
    page = as_prescriber_a.get(url("edit_protocol", protocol_id=standard.public_id))
    html = page.content.decode()
    assert "Therapist prompts and escalation" in html
    assert 'placeholder="7 (project default)"' in html
    assert 'placeholder="5 (project default)"' in html


def test_a_clinic_sets_its_own_values(as_prescriber_a, standard):
    response = edit(
        as_prescriber_a,
        standard,
        anxiety_prompt_at=6,
        dissociation_prompt_at=9,
        escalation_minutes=3,
    )
    assert response.status_code == 302
    standard.refresh_from_db()
    assert (standard.anxiety_prompt_at, standard.dissociation_prompt_at) == (6, 9)
    assert standard.escalation_minutes == 3


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("anxiety_prompt_at", "0", "from 1 to 10, or leave it empty for the project default (7)"),
        ("anxiety_prompt_at", "11", "from 1 to 10"),
        ("dissociation_prompt_at", "7.5", "Enter a whole number from 1 to 10"),
        ("dissociation_prompt_at", "-2", "from 1 to 10"),
        ("escalation_minutes", "61", "from 1 to 60, or leave it empty for the project default (5)"),
        ("escalation_minutes", "soon", "Enter a whole number from 1 to 60"),
    ],
)
def test_impossible_values_are_refused_with_the_range(
    as_prescriber_a, standard, field, typed, message
):
    response = edit(as_prescriber_a, standard, **{field: typed})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    standard.refresh_from_db()
    assert getattr(standard, field) is None and standard.revision == 1


def test_a_protocol_in_use_gets_a_new_version_with_the_settings(
    as_prescriber_a, signed_order, standard
):
    edit(as_prescriber_a, standard, escalation_minutes=3)
    v1 = Protocol.objects.get(pk=standard.pk)
    v2 = Protocol.objects.get(lineage=standard.lineage, version=2)
    assert v1.escalation_minutes is None and v2.escalation_minutes == 3
    signed_order.refresh_from_db()
    assert signed_order.protocol == v1


def test_the_protocol_page_shows_set_values_and_defaults(as_nurse_a, as_prescriber_a, standard):
    edit(as_prescriber_a, standard, anxiety_prompt_at=6)
    page = as_nurse_a.get(url("protocol", protocol_id=standard.public_id)).content.decode()
    assert "≥ 6/10" in page
    assert "≥ 7/10 (project default)" in page
    assert "after 5 min (project default)" in page


# --- The database keeps a superseded version's settings -------------------------------------


def _raw_update(protocol, column, value):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE dosing_protocol SET {column} = %s WHERE id = %s",
            [value, protocol.pk],
        )


@pytest.fixture
def superseded(as_prescriber_a, signed_order, standard):
    edit(as_prescriber_a, standard, escalation_minutes=3, anxiety_prompt_at=6)
    return Protocol.objects.get(pk=standard.pk)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("escalation_minutes", 30),
        ("anxiety_prompt_at", 2),
        ("dissociation_prompt_at", 10),
        # The content frozen before these settings existed is still frozen.
        ("name", "Quietly renamed"),
        ("bp_hold_systolic", 200),
    ],
)
def test_a_superseded_versions_settings_cannot_change_even_by_sql(superseded, column, value):
    assert not superseded.is_current
    with pytest.raises(DatabaseError):
        _raw_update(superseded, column, value)
    assert getattr(Protocol.objects.get(pk=superseded.pk), column) == getattr(superseded, column)


def test_a_superseded_version_still_cannot_be_deleted_by_sql(superseded):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dosing_protocol WHERE id = %s", [superseded.pk])
    assert Protocol.objects.filter(pk=superseded.pk).exists()


def test_the_current_version_stays_editable(superseded):
    current = superseded.current_version()
    _raw_update(current, "escalation_minutes", 4)
    assert Protocol.objects.get(pk=current.pk).escalation_minutes == 4


def test_the_protocol_table_keeps_its_triggers_after_the_migrations(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'dosing_protocol'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'dosing_protocol'"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"dosing_protocol_frozen", "dosing_protocol_no_delete"}
