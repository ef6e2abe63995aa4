from django.db import migrations

from holdspace.audit.immutability import frozen


class Migration(migrations.Migration):
    """Nothing clinical is deleted; measurements and signed documents never change content.

    Status and error_reason stay writable so a wrong row can be marked entered in error.
    """

    dependencies = [("patients", "0001_initial")]
    operations = [
        frozen(
            "patients_observation",
            [
                "patient_id",
                "code",
                "value",
                "unit",
                "measured_at",
                "recorded_at",
                "recorded_by_id",
                "client_id",
            ],
        ),
        frozen(
            "patients_indication",
            ["patient_id", "category", "icd10_code", "recorded_by_id", "recorded_at"],
        ),
        frozen(
            "patients_screening",
            [
                "patient_id",
                "answers",
                "outcome",
                "conditions",
                "signed_by_id",
                "signed_at",
                "created_by_id",
            ],
            signed_column="signed_at",
        ),
        frozen("patients_consentdocument", ["clinic_id", "kind", "version", "title", "body"]),
        frozen(
            "patients_patientconsent",
            [
                "patient_id",
                "document_id",
                "decision",
                "signed_name",
                "signed_at",
                "witnessed_by_id",
            ],
        ),
        frozen("patients_patient", ["public_id", "clinic_id"]),
    ]
