"""The printed infusion record: what it holds (tested on the HTML the PDF is rendered from), what
it never holds, the PDF route with its audit row and its refusals, and a renderer that loads
nothing but our own static files."""

import re
import socket
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from holdspace.audit.models import Action, AuditEvent
from holdspace.infusions import actions, record
from holdspace.infusions.models import Alert, PatientStatement
from holdspace.infusions.tests.conftest import cid, fresh, pump, start, vitals
from holdspace.infusions.tests.test_recovery_and_discharge import CONDITIONS, FULL_MARKS
from holdspace.patients.models import Sensitivity


def at(session, minutes):
    """``minutes`` after the pump started."""
    return session.started_at + timedelta(minutes=minutes)


@pytest.fixture
def whole_infusion(checked_in, nurse_a, therapist_a, prescriber_a):
    """A whole infusion, signed: a hold-tier blood pressure with its alert acknowledged, the
    therapist's support and the patient's response and words, an adverse event with rescue
    medication, a mistaken entry, a corrected time, discharge, signature and an addendum."""
    session = start(checked_in, prescriber_a, minutes_ago=90)
    vitals(session, nurse_a, minutes_ago=75, systolic=186, diastolic=96)
    support = actions.record_support_event(
        actor=therapist_a,
        session=session,
        client_id=cid(),
        kind="grounding",
        occurred_at=at(session, 16),
    )
    actions.record_support_response(
        actor=therapist_a,
        support_event=support,
        client_id=cid(),
        response="settled",
        occurred_at=at(session, 19),
    )
    actions.correct_entry_time(
        actor=therapist_a,
        entry=support,
        new_time=at(session, 14),
        reason="Logged after the fact",
        client_id=cid(),
    )
    actions.record_statement(
        actor=therapist_a,
        session=session,
        client_id=cid(),
        occurred_at=at(session, 22),
        text="I can see the whole lake from up here",
        tagged_for_integration=True,
    )
    event = actions.record_adverse_event(
        actor=nurse_a,
        session=session,
        client_id=cid(),
        type="hypertension",
        severity_grade=2,
        actions_taken=["paused"],
        description="Headache with the rise",
        occurred_at=at(session, 15),
    )
    actions.record_rescue_medication(
        actor=nurse_a,
        session=session,
        client_id=cid(),
        drug="Labetalol",
        dose=Decimal("10.000"),
        unit="mg",
        route="iv",
        ordered_by=prescriber_a,
        adverse_event=event,
        occurred_at=at(session, 17),
    )
    actions.resolve_adverse_event(
        actor=nurse_a,
        adverse_event=event,
        client_id=cid(),
        resolution="BP 142/88 at recheck",
        occurred_at=at(session, 30),
    )
    wrong = vitals(session, nurse_a, minutes_ago=60, systolic=99, diastolic=61, heart_rate=59)
    actions.mark_entry_entered_in_error(actor=nurse_a, entry=wrong, reason="Other patient's cuff")
    actions.acknowledge_alert(actor=nurse_a, alert=Alert.objects.get(), action_taken="Paused pump")
    stop = pump(session, nurse_a, "stop", at=at(session, 40))
    actions.start_recovery(
        actor=nurse_a, session=session, occurred_at=stop.occurred_at + timedelta(minutes=1)
    )
    vitals(session, nurse_a, minutes_ago=2, systolic=126, diastolic=80, heart_rate=76)
    actions.discharge(actor=nurse_a, session=fresh(session), nurse_items=FULL_MARKS, **CONDITIONS)
    actions.sign_session(actor=nurse_a, session=fresh(session))
    actions.add_addendum(
        actor=therapist_a,
        session=fresh(session),
        client_id=cid(),
        text="Called the next day: slept well, no headache.",
    )
    return fresh(session)


def url(session):
    return reverse("infusions:record_pdf", kwargs={"session_id": session.public_id})


# --- What the record holds -------------------------------------------------------------------


def test_the_record_holds_the_patient_the_order_and_its_double_check(whole_infusion, nurse_a):
    html = record.record_html(whole_infusion, printed_by=nurse_a, role="nurse")
    assert "Alex Rivera" in html and "A-1001" in html
    assert whole_infusion.patient.date_of_birth.strftime("%Y-%m-%d") in html
    assert whole_infusion.clinic.name in html
    assert whole_infusion.order.protocol.name in html
    # The order's dose and the independent double-check: who, and the result.
    assert "40.0 mg" in html and "151.2 mL/h" in html
    assert re.search(r"<td>Nora Nurse[^<]*</td>\s*<td>Match</td>", html)


def test_the_record_holds_the_whole_timeline_mistakes_and_corrections_included(
    whole_infusion, nurse_a
):
    html = record.record_html(whole_infusion, printed_by=nurse_a, role="nurse")
    assert "BP 186/96" in html and "Alert acknowledged: Paused pump" in html
    # The mistaken entry stays, marked, with its reason; the corrected time shows the first one.
    assert "ENTERED IN ERROR" in html and "<s>Vitals (during the infusion): BP 99/61" in html
    assert "Other patient&#x27;s cuff" in html
    assert "Time corrected from" in html and "Logged after the fact" in html
    assert "Record signed" in html


def test_the_record_holds_the_dose_the_chart_and_the_medical_and_supportive_care(
    whole_infusion, nurse_a
):
    html = record.record_html(whole_infusion, printed_by=nurse_a, role="nurse")
    # Planned against delivered, from the pump events: 40 minutes at the planned rate.
    assert "Delivered <strong>40.0 mg</strong> of <strong>40.0 mg</strong> planned (100 %)" in html
    assert "<svg" in html and "Start 151.2 mL/h" in html
    assert "Hypertension</strong>, grade 2; infusion paused" in html
    assert "Labetalol 10 mg IV, given by Nora Nurse, ordered by Priya Prescriber" in html
    assert "Resolved" in html and "BP 142/88 at recheck" in html
    assert "Grounding" in html and "settled" in html
    assert "I can see the whole lake from up here" in html


def test_the_record_holds_the_discharge_the_signature_and_the_addenda(whole_infusion, nurse_a):
    html = record.record_html(whole_infusion, printed_by=nurse_a, role="nurse")
    assert "Modified Aldrete 10/10" in html and "Escort confirmed: yes" in html
    assert "Signed by <strong>Nora Nurse</strong>" in html
    assert "Called the next day: slept well, no headache." in html
    assert "Not signed" not in html


def test_an_unsigned_record_says_it_may_still_change(running, nurse_a):
    html = record.record_html(running, printed_by=nurse_a, role="nurse")
    assert "Not signed: this record may still change." in html


def test_nothing_labelled_psychotherapy_note_reaches_the_record(running, therapist_a, nurse_a):
    # The console never stores one (its action refuses the label); a row written behind its
    # back must still never be printed (CLINICAL.md §7).
    PatientStatement.objects.create(
        session=running,
        client_id=cid(),
        occurred_at=running.started_at,
        recorded_by=therapist_a,
        text="Private process material",
        sensitivity=Sensitivity.PSYCHOTHERAPY_NOTE,
    )
    html = record.record_html(running, printed_by=nurse_a, role="nurse")
    assert "Private process material" not in html


def test_text_typed_into_the_record_is_escaped(running, therapist_a, nurse_a):
    actions.record_statement(
        actor=therapist_a,
        session=running,
        client_id=cid(),
        text='<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script>',
    )
    html = record.record_html(running, printed_by=nurse_a, role="nurse")
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


# --- Only our own static files ---------------------------------------------------------------


def test_the_renderer_may_load_our_stylesheet():
    assert record.static_file_for("https://holdspace.invalid/static/css/record.css").endswith(
        "static/css/record.css"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/record.css",
        "https://holdspace.invalid.example.com/static/css/record.css",
        "https://holdspace.invalid/media/scan.png",
        "https://holdspace.invalid/static/../holdspace/settings.py",
        "https://holdspace.invalid/static/%2e%2e/holdspace/settings.py",
        "https://holdspace.invalid/static/css/record.css?x=1",
        "https://holdspace.invalid/static/css/missing.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://holdspace.invalid/static/css/record.css",
    ],
)
def test_the_renderer_refuses_every_other_url(url):
    with pytest.raises(record.RefusedURL):
        record.StaticFilesOnly().fetch(url)


def test_rendering_a_record_that_names_another_server_never_contacts_it():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        html = (
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">'
            f'<p>Hello</p><img src="http://127.0.0.1:{port}/pixel.png">'
        )
        pdf = record.render_pdf(html)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert pdf.startswith(b"%PDF")


# --- The route -------------------------------------------------------------------------------


def test_a_nurse_prints_the_record_as_a_pdf_and_the_print_is_audited(as_nurse_a, whole_infusion):
    response = as_nurse_a.get(url(whole_infusion))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # The file name names no patient; the PDF is not kept in caches.
    assert "Rivera" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    printed = AuditEvent.objects.filter(action=Action.PRINT, category="infusion_record")
    assert printed.count() == 1
    assert printed.get().patient == whole_infusion.patient


def test_a_clinic_admin_may_not_print_the_record(as_admin_a, running):
    response = as_admin_a.get(url(running))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=Action.PRINT).exists()


def test_another_clinics_record_is_not_found(as_nurse_b, running):
    assert as_nurse_b.get(url(running)).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.PRINT).exists()


def test_the_signature_page_links_to_the_pdf(as_nurse_a, running):
    page = as_nurse_a.get(
        reverse("infusions:sign", kwargs={"session_id": running.public_id})
    ).content.decode()
    assert url(running) in page
