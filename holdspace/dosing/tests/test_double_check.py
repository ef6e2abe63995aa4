"""The independent double-check: a second clinician's own weight and dose, compared after the
house rounding; the author cannot check their own order; a mismatch blocks and keeps both."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from holdspace.audit.models import AuditEvent
from holdspace.dosing.models import DoubleCheck
from holdspace.dosing.tests.conftest import url


def check(client, order, weight="80", dose="40"):
    return client.post(
        url("double_check", order_id=order.public_id), {"weight_kg": weight, "dose_mg": dose}
    )


def test_the_page_does_not_show_the_orders_weight_or_dose(as_nurse_a, signed_order):
    page = as_nurse_a.get(url("double_check", order_id=signed_order.public_id)).content.decode()
    assert "0.5 mg/kg over 40 min" in page
    for figure in ("80.0 kg", "80 kg", "40.0 mg", "40 mg", "151.2", "100.8", "0.8 mL"):
        assert figure not in page, figure


def test_a_match_marks_the_order_double_checked_and_ready(
    as_nurse_a, signed_order, nurse_a, patient_a
):
    assert not signed_order.is_ready_to_start
    response = check(as_nurse_a, signed_order)
    assert response["Location"] == url("order", order_id=signed_order.public_id)
    stored = DoubleCheck.objects.get()
    assert stored.matched and stored.checked_by == nurse_a
    assert signed_order.is_double_checked and signed_order.is_ready_to_start
    assert AuditEvent.objects.filter(
        patient=patient_a, summary="Infusion 1 order double-check: match"
    ).exists()


def test_rounding_is_the_house_rule_and_nothing_more(as_nurse_a, signed_order):
    # 80.04 kg rounds to 80.0; 40.04 mg rounds to 40.0: the same figures as the order.
    check(as_nurse_a, signed_order, weight="80.04", dose="40.04")
    assert DoubleCheck.objects.get().matched


def test_a_dose_one_tenth_off_is_a_mismatch(as_nurse_a, signed_order):
    check(as_nurse_a, signed_order, dose="40.1")
    assert not DoubleCheck.objects.get().matched


def test_a_mismatch_blocks_records_both_entries_and_says_which_value(
    as_nurse_a, signed_order, patient_a
):
    response = check(as_nurse_a, signed_order, weight="80", dose="44")
    assert response["Location"] == url("double_check", order_id=signed_order.public_id)
    stored = DoubleCheck.objects.get()
    assert (stored.entered_weight_kg, stored.entered_dose_mg) == (Decimal(80), Decimal(44))
    assert (stored.order_weight_kg, stored.order_dose_mg) == (Decimal(80), Decimal(40))
    assert stored.weight_matches and not stored.dose_matches
    assert signed_order.check_state == "blocked" and not signed_order.is_ready_to_start
    page = as_nurse_a.get(url("double_check", order_id=signed_order.public_id)).content.decode()
    assert "the dose differs from the order" in page
    assert "resolve it with the prescriber (Priya Prescriber)" in page
    assert 'name="dose_mg"' not in page  # no second try until resolved
    assert AuditEvent.objects.filter(
        patient=patient_a, summary="Infusion 1 order double-check: mismatch (dose)"
    ).exists()


def test_a_blocked_order_refuses_another_attempt(as_nurse_a, signed_order):
    check(as_nurse_a, signed_order, weight="81")
    response = check(as_nurse_a, signed_order)
    assert "the weight differs from the order" in response.content.decode()
    assert DoubleCheck.objects.count() == 1


def test_after_the_prescriber_resolves_it_a_new_check_can_match(
    as_nurse_a, as_prescriber_a, signed_order
):
    check(as_nurse_a, signed_order, weight="81")
    as_prescriber_a.post(
        url("resolve_mismatch", order_id=signed_order.public_id),
        {"note": "Checker used last month's weight; order is correct."},
    )
    assert signed_order.check_state == "resolved" and not signed_order.is_ready_to_start
    check(as_nurse_a, signed_order)
    assert signed_order.check_state == "checked" and signed_order.is_ready_to_start


def test_the_resolution_page_shows_both_entries_to_the_prescriber(
    as_nurse_a, as_prescriber_a, signed_order
):
    check(as_nurse_a, signed_order, weight="81", dose="40.5")
    page = as_prescriber_a.get(
        url("resolve_mismatch", order_id=signed_order.public_id)
    ).content.decode()
    assert "81 kg" in page and "40.5 mg" in page and "80.0 kg" in page and "40.0 mg" in page


def test_the_author_cannot_double_check_their_own_order(as_prescriber_a, signed_order):
    response = as_prescriber_a.get(url("double_check", order_id=signed_order.public_id))
    assert response.status_code == 403
    assert "You wrote or signed this order" in response.content.decode()
    assert check(as_prescriber_a, signed_order).status_code == 403
    assert not DoubleCheck.objects.exists()


def test_the_signer_of_someone_elses_draft_cannot_either(
    as_prescriber_a, as_prescriber_a2, as_nurse_a, course, prescriber_a, prescriber_a2, weight_80
):
    from holdspace.dosing import actions
    from holdspace.dosing.tests.conftest import place_order

    draft = place_order(course, prescriber_a, weight_80, sign=False)
    actions.sign_order(actor=prescriber_a2, order=draft)
    assert check(as_prescriber_a2, draft).status_code == 403
    assert check(as_prescriber_a, draft).status_code == 403
    assert not DoubleCheck.objects.exists()
    check(as_nurse_a, draft)
    assert draft.is_ready_to_start


def test_another_prescriber_may_double_check(as_prescriber_a2, signed_order):
    check(as_prescriber_a2, signed_order)
    assert signed_order.is_ready_to_start


@pytest.mark.parametrize("client_name", ["as_therapist_a", "as_admin_a"])
def test_therapists_and_admins_cannot_double_check(request, client_name, signed_order):
    response = check(request.getfixturevalue(client_name), signed_order)
    assert response.status_code == 403
    assert "Only a nurse or a prescriber" in response.content.decode()


def test_a_draft_cannot_be_double_checked(as_nurse_a, course, prescriber_a, weight_80):
    from holdspace.dosing.tests.conftest import place_order

    draft = place_order(course, prescriber_a, weight_80, sign=False)
    response = check(as_nurse_a, draft)
    assert "not signed yet" in response.content.decode()
    assert not DoubleCheck.objects.exists()


def test_a_double_check_row_cannot_be_changed_or_deleted(as_nurse_a, signed_order):
    check(as_nurse_a, signed_order, dose="44")
    with pytest.raises(DatabaseError), transaction.atomic():
        DoubleCheck.objects.update(dose_matches=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        DoubleCheck.objects.all().delete()


def test_the_order_page_withholds_weight_and_dose_from_a_nurse_until_checked(
    as_nurse_a, signed_order
):
    page = as_nurse_a.get(url("order", order_id=signed_order.public_id)).content.decode()
    assert "Withheld until the double-check" in page and "151.2" not in page
    check(as_nurse_a, signed_order)
    page = as_nurse_a.get(url("order", order_id=signed_order.public_id)).content.decode()
    assert "151.2 mL/h" in page and "Ready to start" in page


def test_a_discontinued_course_makes_a_checked_order_not_ready(
    as_nurse_a, signed_order, prescriber_a
):
    from holdspace.dosing import actions

    check(as_nurse_a, signed_order)
    actions.change_course_phase(
        actor=prescriber_a, course=signed_order.course, phase="discontinued", reason="Stopped"
    )
    signed_order.course.refresh_from_db()
    assert signed_order.start_blockers() == ["The course is discontinued."]
