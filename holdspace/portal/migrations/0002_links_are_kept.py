from django.db import migrations

from holdspace.audit.immutability import frozen


class Migration(migrations.Migration):
    """A patient link is never removed (the audit trail points at it) and whom and what it is
    for never changes; its use, failures and lock stay writable."""

    dependencies = [("portal", "0001_patient_links")]
    operations = [
        frozen(
            "portal_patientlink",
            ["clinic_id", "patient_id", "purpose", "token_hash", "created_by_id", "created_at"],
        ),
    ]
