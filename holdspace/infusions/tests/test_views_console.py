"""The console page: what each member of the care team sees, the live refresh of its panels,
the chart's data, and who may open it."""

from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.infusions import actions
from holdspace.infusions.tests.conftest import cid, vitals

HTMX = {"HX-Request": "true"}


def url(name, session, **kwargs):
    return reverse(f"infusions:{name}", kwargs={"session_id": session.public_id, **kwargs})


def test_the_console_shows_the_chair_the_person_their_intention_and_the_dose(as_nurse_a, running):
    page = as_nurse_a.get(url("console", running)).content.decode()
    assert "Chair 1" in page and "Lex" in page
    assert "To notice the heaviness without becoming it" in page
    assert "Infusing" in page and "40.0 mg" in page
    # The pump panel offers what the state allows: a running pump can be paused or stopped.
    assert 'value="pause"' in page and 'value="stop"' in page and 'value="resume"' not in page


def test_opening_the_console_is_audited_but_live_refreshes_are_not(as_nurse_a, running):
    as_nurse_a.get(url("console", running))
    as_nurse_a.get(url("console", running) + "?refresh=1", headers=HTMX)
    as_nurse_a.get(url("console", running) + "?panel=timeline", headers=HTMX)
    reads = AuditEvent.objects.filter(action=Action.READ, category="infusion_session")
    assert reads.count() == 1


def test_a_refresh_sends_every_panel_out_of_band_except_those_being_typed_in(as_nurse_a, running):
    response = as_nurse_a.get(
        url("console", running) + "?refresh=1",
        headers={**HTMX, "X-Holdspace-Skip": "vitals,pump"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="panel-header"' in body and 'id="panel-timeline"' in body
    assert body.count('hx-swap-oob="true"') == 7
    assert 'id="panel-vitals"' not in body and 'id="panel-pump"' not in body


def test_one_panel_can_be_read_alone_and_unknown_panels_are_not_found(as_nurse_a, running):
    body = as_nurse_a.get(url("console", running) + "?panel=timeline").content.decode()
    assert body.lstrip().startswith('<div id="panel-timeline"')
    assert as_nurse_a.get(url("console", running) + "?panel=secrets").status_code == 404


def test_the_therapist_sees_support_first_and_no_pump_or_vitals_controls(as_therapist_a, running):
    page = as_therapist_a.get(url("console", running)).content.decode()
    assert "role-therapist" in page
    assert 'value="pause"' not in page and "Record vitals" not in page
    assert "The nurse runs the pump." in page
    assert 'value="grounding"' in page
    # Today's consent to touch is yes, so touch can be logged.
    assert 'value="touch_offered"' in page


def test_touch_is_not_offered_when_the_patient_said_no_today(as_therapist_a, running):
    running.touch_consent_today = "no"
    running.save(update_fields=["touch_consent_today"])
    page = as_therapist_a.get(url("console", running)).content.decode()
    assert 'value="touch_offered"' not in page and "No touch today" in page


def test_a_therapist_prompt_shows_the_distress_ladder_prominently(
    as_therapist_a, running, therapist_a
):
    actions.record_patient_state(actor=therapist_a, session=running, client_id=cid(), anxiety=8)
    page = as_therapist_a.get(url("console", running)).content.decode()
    assert "Distress ladder" in page and "ladder-prominent" in page
    assert "offer psychological support" in page


def test_the_chart_data_puts_vitals_pump_and_dose_on_one_time_axis(
    as_therapist_a, running, nurse_a
):
    vitals(running, nurse_a, systolic=140)
    body = as_therapist_a.get(url("chart", running)).json()
    assert 140 in body["vitals"]["systolic"]
    assert body["pump"][0]["action"] == "start"
    assert body["planned_mg"] == 40.0 and body["dose"]["mg"]


def test_a_clinic_admin_is_refused_the_console_with_the_reason(as_admin_a, running):
    response = as_admin_a.get(url("console", running))
    assert response.status_code == 403
    assert "care team" in response.content.decode()


def test_another_clinics_nurse_gets_not_found(as_nurse_b, running):
    assert as_nurse_b.get(url("console", running)).status_code == 404
    assert as_nurse_b.get(url("chart", running)).status_code == 404


def test_today_lists_the_clinics_sessions_by_chair(as_nurse_a, running, checked_in):
    page = as_nurse_a.get(reverse("infusions:today")).content.decode()
    assert "Chair 1" in page and "Lex Rivera" in page
    assert url("console", running) in page


def test_a_signed_out_visitor_is_sent_to_sign_in(client, running):
    response = client.get(url("console", running))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
