from django.db import migrations

from holdspace.audit.immutability import frozen


class Migration(migrations.Migration):
    """A completed administration's answers and scored result never change, and no
    administration is ever removed (status stays writable so a wrong one can be marked entered
    in error). A safety flag is never removed, and its acknowledgement never changes once made."""

    dependencies = [("measures", "0005_administration_results_and_safety_flags")]
    operations = [
        frozen(
            "measures_administration",
            [
                "clinic_id",
                "patient_id",
                "instrument_version_id",
                "mode",
                "answers",
                "complete",
                "missing_items",
                "total",
                "severity",
                "subscales",
                "flags",
                "interpretation",
                "completed_at",
                "entered_by_id",
                "client_id",
            ],
            signed_column="completed_at",
        ),
        frozen(
            "measures_safetyflag",
            [
                "patient_id",
                "administration_id",
                "code",
                "text",
                "acknowledged_at",
                "acknowledged_by_id",
                "action",
                "action_taken",
            ],
            signed_column="acknowledged_at",
        ),
    ]
