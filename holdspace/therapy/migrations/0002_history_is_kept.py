"""Nothing of the therapist's record is lost or rewritten, even with direct SQL (triggers on
SQLite and PostgreSQL):

- no row is ever deleted;
- a signed preparation or integration note never changes (addenda are append-only);
- support plan versions and reviews are append-only: a change is a new version;
- a patient's suggestion keeps its words, and its decision is made once.
"""

from django.db import migrations

from holdspace.audit.immutability import append_only, frozen

PREPARATION_COLUMNS = [
    "public_id",
    "clinic_id",
    "patient_id",
    "course_id",
    "held_at",
    "therapist_id",
    "explained_dissociation",
    "explained_blood_pressure",
    "explained_nausea",
    "explained_therapist_role",
    "questions",
    "intentions",
    "readiness",
    "readiness_note",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
    "signed_at",
    "signed_by_id",
    "sensitivity",
]
INTEGRATION_COLUMNS = [
    "public_id",
    "clinic_id",
    "patient_id",
    "infusion_id",
    "status",
    "held_at",
    "therapist_id",
    "from_infusion",
    "experience",
    "insights",
    "emotions",
    "meaning",
    "what_helped",
    "what_got_in_the_way",
    "commitments",
    "homework",
    "decline_reason",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
    "signed_at",
    "signed_by_id",
    "sensitivity",
]
SUGGESTION_WORDS = ["public_id", "clinic_id", "patient_id", "text", "via_link", "created_at"]
SUGGESTION_DECISION = [
    "status",
    "decided_at",
    "decided_by_id",
    "decline_reason",
    "accepted_into_id",
]

_PG_REFUSE = """
CREATE OR REPLACE FUNCTION holdspace_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'holdspace: % rows cannot be changed or removed (%)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _decided_once(vendor: str) -> list[str]:
    table = "therapy_supportplansuggestion"
    operator = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(f"NEW.{c} {operator} OLD.{c}" for c in SUGGESTION_DECISION)
    guard = f"OLD.decided_at IS NOT NULL AND ({changed})"
    if vendor == "postgresql":
        return [
            _PG_REFUSE,
            f"CREATE TRIGGER {table}_decided_once BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({guard}) EXECUTE FUNCTION holdspace_refuse_change();",
        ]
    return [
        f"CREATE TRIGGER {table}_decided_once BEFORE UPDATE ON {table} WHEN {guard} "
        f"BEGIN SELECT RAISE(ABORT, 'holdspace: {table} decided once'); END;"
    ]


def _forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in _decided_once(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("therapy", "0001_initial")]
    operations = [
        frozen("therapy_preparationsession", PREPARATION_COLUMNS, signed_column="signed_at"),
        frozen("therapy_integrationsession", INTEGRATION_COLUMNS, signed_column="signed_at"),
        frozen("therapy_supportplan", ["public_id", "clinic_id", "patient_id", "created_at"]),
        append_only("therapy_supportplanversion"),
        append_only("therapy_supportplanreview"),
        append_only("therapy_therapyaddendum"),
        frozen("therapy_supportplansuggestion", SUGGESTION_WORDS),
        migrations.RunPython(_forwards, elidable=False),
    ]
