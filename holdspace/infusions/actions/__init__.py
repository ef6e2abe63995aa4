"""Every clinically significant change to a live infusion, one function each.

Each action:

- runs in one transaction and locks the session row, so two clinicians acting on one session
  are served one after the other;
- checks that the actor may do it in the session's clinic (``PermissionDenied`` with a message a
  person can act on; someone from another clinic is told they do not work there);
- re-checks the clinical rules with the pure engines (``ValidationError`` with the reason, keyed
  by form field where one applies): the lifecycle, the check-in checklist, the dose engine and
  caps, the alert rules, the discharge scores;
- writes the change, its audit row and its live events together; screens hear of the events
  only after the commit (``holdspace.live.events.publish``);
- where it creates an entry, is idempotent by the entry's ``client_id``: a resubmission returns
  the stored row (``row.replayed`` is True) and changes nothing.

Actions that change the session row accept ``expected_version``: when given and stale, nothing
is saved and ``SessionConflict`` carries the session as it is now (the first person's work is
kept). Entries do not need it.

Audit summaries name what happened, never clinical values or free text.

One module per concept: ``sessions`` (booking to signature), ``pump``, ``entries`` (vitals,
state, support, statements, adverse events, rescue), ``alerting`` (acknowledgement and the
background checks), ``corrections``; ``common`` holds what they share. Import the actions from
here: ``from holdspace.infusions import actions``.
"""

from holdspace.infusions.actions.alerting import (
    acknowledge_alert,
    escalate_if_due,
    raise_overdue_if_due,
    raise_past_end_if_due,
)
from holdspace.infusions.actions.common import (
    FUTURE_TOLERANCE,
    LATE_ENTRY_LIMIT,
    PROJECTED_DOSE_TOLERANCE,
    VITALS_DEVICE_KINDS,
    SessionConflict,
)
from holdspace.infusions.actions.corrections import (
    correct_entry_time,
    mark_entry_entered_in_error,
)
from holdspace.infusions.actions.entries import (
    record_adverse_event,
    record_patient_state,
    record_rescue_medication,
    record_statement,
    record_support_event,
    record_support_response,
    record_vitals,
    resolve_adverse_event,
)
from holdspace.infusions.actions.pump import end_infusion, pump_action, start_infusion
from holdspace.infusions.actions.sessions import (
    abort_session,
    add_addendum,
    assess_for_discharge,
    check_in,
    discharge,
    schedule_session,
    sign_session,
    start_recovery,
)

__all__ = [
    "FUTURE_TOLERANCE",
    "LATE_ENTRY_LIMIT",
    "PROJECTED_DOSE_TOLERANCE",
    "VITALS_DEVICE_KINDS",
    "SessionConflict",
    "abort_session",
    "acknowledge_alert",
    "add_addendum",
    "assess_for_discharge",
    "check_in",
    "correct_entry_time",
    "discharge",
    "end_infusion",
    "escalate_if_due",
    "mark_entry_entered_in_error",
    "pump_action",
    "raise_overdue_if_due",
    "raise_past_end_if_due",
    "record_adverse_event",
    "record_patient_state",
    "record_rescue_medication",
    "record_statement",
    "record_support_event",
    "record_support_response",
    "record_vitals",
    "resolve_adverse_event",
    "schedule_session",
    "sign_session",
    "start_infusion",
    "start_recovery",
]
