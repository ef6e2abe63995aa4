"""The plan is shown live as the prescriber types (htmx partial from the preview endpoint)."""

from holdspace.dosing.tests.conftest import HTMX, order_post, url, weigh


def preview(client, course, data, query=""):
    return client.post(url("order_preview", course_id=course.public_id) + query, data, headers=HTMX)


def test_the_preview_shows_the_engine_plan(as_prescriber_a, course, weight_80):
    response = preview(as_prescriber_a, course, order_post(weight_80))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # a fragment, not a page
    assert "151.2 mL/h" in page and "40.0 mg" in page and "0.8 mL" in page and "100.8 mL" in page


def test_the_preview_follows_the_typed_dose(as_prescriber_a, course, weight_80):
    page = preview(as_prescriber_a, course, order_post(weight_80, amount="0.6")).content.decode()
    assert "48.0 mg" in page


def test_a_cap_breach_shows_as_a_hard_stop_while_typing(as_prescriber_a, course, weight_80):
    page = preview(as_prescriber_a, course, order_post(weight_80, amount="1")).content.decode()
    assert "Hard stop" in page and "exceeds the protocol cap of 0.75 mg/kg" in page


def test_a_stale_weight_is_flagged_while_typing(as_prescriber_a, course, patient_a):
    old = weigh(patient_a, "82", days_ago=40)
    page = preview(as_prescriber_a, course, order_post(old)).content.decode()
    assert "Refused:" in page and "within the last 30 days" in page


def test_missing_values_are_named_instead_of_a_plan(as_prescriber_a, course, weight_80):
    page = preview(as_prescriber_a, course, order_post(weight_80, amount="")).content.decode()
    assert "To see the plan, fill in: Dose (mg/kg)." in page


def test_the_form_page_shows_the_plan_for_the_defaults_and_wires_htmx(
    as_prescriber_a, course, weight_80
):
    page = as_prescriber_a.get(url("new_order", course_id=course.public_id)).content.decode()
    assert f'hx-post="{url("order_preview", course_id=course.public_id)}"' in page
    assert "151.2 mL/h" in page  # 0.5 mg/kg, 80 kg, 50 mg/mL into 100 mL: the protocol defaults


def test_only_prescribers_get_a_preview(as_nurse_a, course, weight_80):
    assert preview(as_nurse_a, course, order_post(weight_80)).status_code == 403


def test_the_preview_is_post_only(as_prescriber_a, course):
    assert as_prescriber_a.get(url("order_preview", course_id=course.public_id)).status_code == 405
