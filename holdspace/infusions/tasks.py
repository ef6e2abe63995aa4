"""Background checks of live infusions (``django.tasks``; the ``holdspace worker`` runs them).

Each is queued by an action for the moment it becomes due (``run_after``) and re-reads the
session when it runs, so it acts only on what is still true then. Every check is idempotent:
running it twice, late or after the situation resolved changes nothing more than running it
once. Arguments are public ids as strings (task arguments are JSON).
"""

from django.tasks import task

from holdspace.infusions import actions


@task()
def check_vitals_overdue(session_id: str) -> str:
    """Raise the overdue alert if the session is monitored and no blood pressure was taken
    within the protocol interval (once while it stays open)."""
    alert = actions.raise_overdue_if_due(session_id)
    return "overdue" if alert is not None else "on time"


@task()
def check_escalation(alert_id: str) -> str:
    """Escalate an alert still unacknowledged at its escalation time to the prescriber, on the
    board (once)."""
    alert = actions.escalate_if_due(alert_id)
    return "escalated" if alert is not None else "nothing to do"


@task()
def check_past_planned_end(session_id: str) -> str:
    """Raise the past-planned-end alert if the pump is running past the order's planned minutes
    (pauses excluded), once."""
    alert = actions.raise_past_end_if_due(session_id)
    return "past planned end" if alert is not None else "on time"
