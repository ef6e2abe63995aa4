"""Notes are never deleted; signed notes never change, even with direct SQL (triggers on SQLite
and PostgreSQL). Addenda are append-only. A supervisor nomination keeps who named whom and when;
only its end may be recorded."""

from django.db import migrations

from holdspace.audit.immutability import append_only, frozen


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [
        frozen(
            "notes_therapynote",
            [
                "public_id",
                "clinic_id",
                "patient_id",
                "session_id",
                "kind",
                "text",
                "version",
                "author_id",
                "created_at",
                "last_edited_by_id",
                "last_edited_at",
                "signed_by_id",
                "signed_at",
                "content_sha256",
                "sensitivity",
            ],
            signed_column="signed_at",
        ),
        append_only("notes_therapynoteaddendum"),
        frozen(
            "notes_psychotherapynote",
            [
                "public_id",
                "clinic_id",
                "patient_id",
                "author_id",
                "ciphertext",
                "version",
                "created_at",
                "updated_at",
                "signed_at",
                "content_sha256",
                "sensitivity",
            ],
            signed_column="signed_at",
        ),
        frozen(
            "notes_namedsupervisor",
            ["public_id", "clinic_id", "author_id", "supervisor_id", "named_at"],
        ),
    ]
