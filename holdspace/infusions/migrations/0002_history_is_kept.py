"""Nothing of an infusion is lost or rewritten, even with direct SQL (triggers on SQLite and
PostgreSQL):

- no row is ever deleted;
- an entry's content never changes; its status may go from final to entered in error once,
  with the reason, and never back;
- an alert's finding never changes; its acknowledgement and its escalation are each set once;
- breaches, time corrections, discharges and addenda are append-only;
- the check-in is frozen once the pump started on it;
- a signed session is frozen, and nothing may be added to or changed in what belongs to it
  (addenda are the way to correct a signed record).
"""

from django.db import migrations

from holdspace.audit.immutability import append_only, frozen

ENTRY_COMMON = [
    "public_id",
    "session_id",
    "client_id",
    "occurred_at",
    "recorded_at",
    "recorded_by_id",
    "sensitivity",
]
ENTRY_CONTENT = {
    "infusions_pumpevent": ["action", "rate_ml_h", "reason"],
    "infusions_vitalsigns": [
        "systolic",
        "diastolic",
        "heart_rate",
        "spo2",
        "resp_rate",
        "temperature_c",
        "sedation_scale",
        "sedation_value",
        "phase",
        "recorded_by_device_id",
    ],
    "infusions_patientstate": ["anxiety", "dissociation", "nausea"],
    "infusions_supportevent": ["kind", "note"],
    "infusions_supportresponse": ["support_event_id", "response"],
    "infusions_patientstatement": ["text", "tagged_for_integration"],
    "infusions_adverseevent": ["type", "severity_grade", "actions_taken", "description"],
    "infusions_adverseeventresolution": ["adverse_event_id", "resolution"],
    "infusions_rescuemedication": [
        "adverse_event_id",
        "drug",
        "dose",
        "unit",
        "route",
        "given_by_id",
        "ordered_by_id",
    ],
}
ERROR_COLUMNS = ["status", "error_reason", "error_marked_by_id", "error_marked_at"]
SESSION_COLUMNS = [
    "public_id",
    "clinic_id",
    "patient_id",
    "order_id",
    "chair_id",
    "state",
    "style",
    "scheduled_for",
    "checked_in_at",
    "started_at",
    "ended_at",
    "recovery_started_at",
    "discharged_at",
    "aborted_at",
    "abort_reason",
    "intention_today",
    "touch_consent_today",
    "version",
    "created_by_id",
    "created_at",
    "signed_at",
    "signed_by_id",
    "sensitivity",
]
CHECKIN_COLUMNS = [
    "public_id",
    "session_id",
    "answers",
    "verified",
    "missing",
    "checked_in_by_id",
    "checked_in_at",
    "updated_at",
    "completed_at",
    "completed_by_id",
    "override_by_id",
    "override_reason",
    "overridden_items",
]
ALERT_FINDING = [
    "public_id",
    "session_id",
    "rule",
    "tier",
    "audience",
    "message",
    "source",
    "raised_at",
    "raised_by_kind",
    "raised_by_id",
]
# Every table whose rows belong to one session and must not change once it is signed.
SESSION_CHILDREN = [
    *ENTRY_CONTENT,
    "infusions_checkin",
    "infusions_alert",
    "infusions_alertbreach",
    "infusions_timecorrection",
    "infusions_discharge",
]

_PG_SIGNED_GUARD = """
CREATE OR REPLACE FUNCTION holdspace_refuse_if_session_signed() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM infusions_infusionsession s
        WHERE s.id = NEW.session_id AND s.signed_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'holdspace: the infusion session is signed; % cannot change (write an addendum)',
            TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

_SQLITE_SESSION_SIGNED = (
    "(SELECT signed_at FROM infusions_infusionsession WHERE id = NEW.session_id)"
)

_PG_REFUSE = """
CREATE OR REPLACE FUNCTION holdspace_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'holdspace: % rows cannot be changed or removed (%)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _changed(columns: list[str], vendor: str) -> str:
    operator = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"NEW.{c} {operator} OLD.{c}" for c in columns)


def _set_once(vendor: str, table: str, name: str, guard: str) -> list[str]:
    """A trigger refusing any UPDATE for which ``guard`` holds."""
    trigger = f"{table}_{name}"
    if vendor == "postgresql":
        return [
            _PG_REFUSE,
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({guard}) EXECUTE FUNCTION holdspace_refuse_change();",
        ]
    return [
        f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} WHEN {guard} "
        f"BEGIN SELECT RAISE(ABORT, 'holdspace: {table} {name.replace('_', ' ')}'); END;"
    ]


def _signed_guard(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            _PG_SIGNED_GUARD,
            f"CREATE TRIGGER {table}_session_signed BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION holdspace_refuse_if_session_signed();",
        ]
    statements = []
    for operation in ("INSERT", "UPDATE"):
        statements.append(
            f"CREATE TRIGGER {table}_session_signed_{operation.lower()} BEFORE {operation} "
            f"ON {table} WHEN {_SQLITE_SESSION_SIGNED} IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'holdspace: the infusion session is signed; "
            "write an addendum'); END;"
        )
    return statements


def _statements(vendor: str) -> list[str]:
    statements: list[str] = []
    for table in ENTRY_CONTENT:
        # Once entered in error, always entered in error, with the same reason.
        guard = f"OLD.status <> 'final' AND ({_changed(ERROR_COLUMNS, vendor)})"
        statements += _set_once(vendor, table, "error_once", guard)
    acknowledged = ["acknowledged_at", "acknowledged_by_id", "action_taken"]
    statements += _set_once(
        vendor,
        "infusions_alert",
        "acknowledged_once",
        f"OLD.acknowledged_at IS NOT NULL AND ({_changed(acknowledged, vendor)})",
    )
    statements += _set_once(
        vendor,
        "infusions_alert",
        "escalated_once",
        f"OLD.escalated_at IS NOT NULL AND ({_changed(['escalated_at'], vendor)})",
    )
    for table in SESSION_CHILDREN:
        statements += _signed_guard(vendor, table)
    return statements


def _forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in _statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("infusions", "0001_initial")]
    operations = [
        *[frozen(table, ENTRY_COMMON + content) for table, content in ENTRY_CONTENT.items()],
        frozen("infusions_infusionsession", SESSION_COLUMNS, signed_column="signed_at"),
        frozen("infusions_checkin", CHECKIN_COLUMNS, signed_column="completed_at"),
        frozen("infusions_alert", ALERT_FINDING),
        append_only("infusions_alertbreach"),
        append_only("infusions_timecorrection"),
        append_only("infusions_discharge"),
        append_only("infusions_sessionaddendum"),
        migrations.RunPython(_forwards, elidable=False),
    ]
