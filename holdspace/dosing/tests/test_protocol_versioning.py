"""Editing a protocol that orders used creates a new version; the orders keep the old one."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from holdspace.audit.models import AuditEvent
from holdspace.dosing.forms import ProtocolForm
from holdspace.dosing.models import Protocol
from holdspace.dosing.tests.conftest import place_order, url


def edit_post(protocol, **changes):
    form = ProtocolForm(instance=protocol)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value if isinstance(value, list) else str(value)
    data.update({key: str(value) for key, value in changes.items()})
    return data


def test_an_unused_protocol_is_edited_in_place(as_prescriber_a, standard):
    response = as_prescriber_a.post(
        url("edit_protocol", protocol_id=standard.public_id),
        edit_post(standard, duration_minutes=45),
    )
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.version == 1 and standard.revision == 2 and standard.duration_minutes == 45
    assert Protocol.objects.filter(lineage=standard.lineage).count() == 1


def test_a_protocol_in_use_gets_a_new_version_and_the_order_keeps_v1(
    as_prescriber_a, signed_order, standard
):
    response = as_prescriber_a.post(
        url("edit_protocol", protocol_id=standard.public_id),
        edit_post(standard, duration_minutes=60, cap_total_mg=100),
    )
    v1 = Protocol.objects.get(pk=standard.pk)
    v2 = Protocol.objects.get(lineage=standard.lineage, version=2)
    assert response["Location"] == url("protocol", protocol_id=v2.public_id)
    assert not v1.is_current and v1.superseded_by == v2
    assert v1.duration_minutes == 40 and v1.cap_total_mg is None
    assert v2.is_current and v2.duration_minutes == 60 and v2.cap_total_mg == Decimal(100)
    assert v2.sources == v1.sources and v2.shipped_key == v1.shipped_key
    signed_order.refresh_from_db()
    assert signed_order.protocol == v1
    page = as_prescriber_a.get(url("order", order_id=signed_order.public_id)).content.decode()
    assert "Depression / anxiety — standard v1" in page and "Since superseded" in page
    assert AuditEvent.objects.filter(
        category="protocol", summary__startswith="Protocol version 2 created because version 1"
    ).exists()


def test_new_orders_on_the_course_use_the_new_version(
    as_prescriber_a, signed_order, standard, prescriber_a, weight_80
):
    as_prescriber_a.post(
        url("edit_protocol", protocol_id=standard.public_id),
        edit_post(standard, duration_minutes=60),
    )
    second = place_order(signed_order.course, prescriber_a, weight_80)
    assert second.protocol.version == 2 and second.duration_minutes == Decimal(60)
    assert second.rate_ml_h == Decimal("100.8")  # 100.8 mL over 60 min


def test_a_superseded_version_cannot_be_changed_even_by_sql(
    as_prescriber_a, signed_order, standard
):
    as_prescriber_a.post(
        url("edit_protocol", protocol_id=standard.public_id),
        edit_post(standard, duration_minutes=60),
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Protocol.objects.filter(pk=standard.pk).update(cap_mg_per_kg=Decimal(2))
    with pytest.raises(DatabaseError), transaction.atomic():
        Protocol.objects.filter(pk=standard.pk).delete()


def test_editing_a_superseded_version_goes_to_the_current_one(
    as_prescriber_a, signed_order, standard
):
    as_prescriber_a.post(
        url("edit_protocol", protocol_id=standard.public_id),
        edit_post(standard, duration_minutes=60),
    )
    response = as_prescriber_a.get(url("edit_protocol", protocol_id=standard.public_id))
    v2 = Protocol.objects.get(lineage=standard.lineage, version=2)
    assert response["Location"] == url("edit_protocol", protocol_id=v2.public_id)


def test_a_stale_edit_is_a_conflict_and_loses_nothing(as_prescriber_a, as_admin_a, standard):
    first = edit_post(standard, duration_minutes=45)
    second = edit_post(standard, duration_minutes=50)
    as_prescriber_a.post(url("edit_protocol", protocol_id=standard.public_id), first)
    response = as_admin_a.post(url("edit_protocol", protocol_id=standard.public_id), second)
    assert response.status_code == 409
    assert "Someone changed this protocol" in response.content.decode()
    standard.refresh_from_db()
    assert standard.duration_minutes == 45


def test_a_nurse_cannot_edit_a_protocol(as_nurse_a, standard):
    address = url("edit_protocol", protocol_id=standard.public_id)
    assert as_nurse_a.get(address).status_code == 403
    assert as_nurse_a.post(address, edit_post(standard, duration_minutes=5)).status_code == 403
    standard.refresh_from_db()
    assert standard.duration_minutes == 40


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"bp_hold_systolic": 150}, "bp_hold_systolic", "must be above the notify tier"),
        ({"spo2_critical_below": 95}, "spo2_critical_below", "below the notify SpO"),
        ({"default_amount": "0.9"}, "default_amount", "must lie between 0.1 and 0.75"),
        ({"titration_max": "0.9"}, "titration_max", "cannot exceed the allowed maximum"),
        ({"bag_ml": ""}, "bag_ml", "needs the bag volume"),
        ({"indication_categories": "war"}, "indication_categories", "Select a valid choice"),
    ],
)
def test_impossible_settings_are_refused(as_admin_a, standard, changes, field, message):
    response = as_admin_a.post(
        url("edit_protocol", protocol_id=standard.public_id), edit_post(standard, **changes)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])


def test_the_protocol_page_lists_versions_and_sources(
    as_nurse_a, signed_order, standard, prescriber_a
):
    from holdspace.dosing import actions

    values = {name: getattr(standard, name) for name in actions.PROTOCOL_FIELDS}
    values["duration_minutes"] = 60
    actions.edit_protocol(actor=prescriber_a, protocol=standard, values=values, expected_revision=1)
    page = as_nurse_a.get(url("protocol", protocol_id=standard.public_id)).content.decode()
    assert "Superseded" in page and "v2" in page
    assert "Andrade, J Clin Psychiatry 2017" in page
    assert "Edit protocol" not in page  # nurses read, they do not edit
