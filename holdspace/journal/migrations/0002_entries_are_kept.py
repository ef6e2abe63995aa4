"""A journal entry's words never change and no entry is deleted: the patient's record of what
they wrote stays as written. Only the sharing columns (shared, shared at, withdrawn at) may be
set, by the patient's choice. Triggers on SQLite and PostgreSQL."""

from django.db import migrations

from holdspace.audit.immutability import frozen


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [
        frozen(
            "journal_journalentry",
            [
                "public_id",
                "clinic_id",
                "patient_id",
                "text",
                "written_at",
                "prompt_kind",
                "session_id",
                "via_link",
            ],
        ),
    ]
