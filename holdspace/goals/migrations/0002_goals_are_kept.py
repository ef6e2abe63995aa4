"""A goal's wording never changes and no goal is deleted (a revision is a new goal pointing
back); only its status and the reason may be set. Check-ins and alliance reviews are
append-only. Triggers on SQLite and PostgreSQL."""

from django.db import migrations

from holdspace.audit.immutability import append_only, frozen


class Migration(migrations.Migration):
    dependencies = [("goals", "0001_initial")]
    operations = [
        frozen(
            "goals_goal",
            [
                "public_id",
                "clinic_id",
                "patient_id",
                "statement",
                "target_behaviour",
                "frequency_count",
                "frequency_period",
                "measure",
                "target_date",
                "session_id",
                "revises_id",
                "created_by_id",
                "created_at",
                "sensitivity",
            ],
        ),
        append_only("goals_goalcheckin"),
        append_only("goals_alliancereview"),
    ]
