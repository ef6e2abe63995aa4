from django.db import migrations

from holdspace.audit.immutability import append_only, frozen

# A voided order stays void: once voided_at is set, the void (when, who, why) cannot change and
# the pointer to the replacing order, once set, cannot be moved. Status-only columns, so this
# is a second trigger beside the signed-content freeze that `frozen` installs.
_VOID_GUARD = (
    "OLD.voided_at IS NOT NULL AND ("
    "NEW.voided_at IS DISTINCT FROM OLD.voided_at OR "
    "NEW.voided_by_id IS DISTINCT FROM OLD.voided_by_id OR "
    "NEW.void_reason IS DISTINCT FROM OLD.void_reason OR "
    "(OLD.replaced_by_id IS NOT NULL AND NEW.replaced_by_id IS DISTINCT FROM OLD.replaced_by_id))"
)


def _void_is_final(apps, schema_editor):
    table = "dosing_infusionorder"
    if schema_editor.connection.vendor == "postgresql":
        # holdspace_refuse_change() was created by the `frozen` operation above.
        statement = (
            f"CREATE TRIGGER {table}_void_is_final BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({_VOID_GUARD}) EXECUTE FUNCTION holdspace_refuse_change();"
        )
    else:
        guard = _VOID_GUARD.replace("IS DISTINCT FROM", "IS NOT")
        statement = (
            f"CREATE TRIGGER {table}_void_is_final BEFORE UPDATE ON {table} WHEN {guard} "
            f"BEGIN SELECT RAISE(ABORT, 'holdspace: a voided order stays void'); END;"
        )
    schema_editor.execute(statement, params=None)


ORDER_CONTENT = [
    "public_id",
    "course_id",
    "sequence",
    "protocol_id",
    "dose_mode",
    "amount",
    "duration_minutes",
    "weight_observation_id",
    "weight_kg",
    "weight_measured_at",
    "height_observation_id",
    "height_cm",
    "sex",
    "basis_requested",
    "basis_used",
    "preparation_kind",
    "premixed_concentration_mg_ml",
    "stock_mg_ml",
    "bag_ml",
    "dosing_weight_kg",
    "dose_mg",
    "drawn_ml",
    "total_ml",
    "concentration_mg_ml",
    "rate_ml_h",
    "warnings",
    "hard_stops",
    "override_reason",
    "titration_advice",
    "created_by_id",
    "created_at",
    "signed_by_id",
    "signed_at",
]

PROTOCOL_CONTENT = [
    "public_id",
    "clinic_id",
    "lineage",
    "version",
    "revision",
    "shipped_key",
    "name",
    "indication_categories",
    "dose_mode",
    "default_amount",
    "min_amount",
    "max_amount",
    "duration_minutes",
    "cap_mg_per_kg",
    "cap_total_mg",
    "cap_rate_ml_h",
    "cap_mg_per_kg_per_hour",
    "default_basis",
    "preparation_kind",
    "premixed_concentration_mg_ml",
    "stock_mg_ml",
    "bag_ml",
    "induction_infusions",
    "schedule_note",
    "vitals_interval_minutes",
    "bp_notify_systolic",
    "bp_notify_diastolic",
    "bp_hold_systolic",
    "bp_hold_diastolic",
    "spo2_notify_below",
    "spo2_critical_below",
    "hr_notify_above",
    "hr_critical_above",
    "hr_critical_below",
    "rr_critical_below",
    "discharge_rule",
    "min_interval_hours",
    "titration_start",
    "titration_step",
    "titration_max",
    "weight_max_age_days",
    "sources",
    "created_by_id",
    "created_at",
    "superseded_at",
]


class Migration(migrations.Migration):
    """Nothing in dosing is deleted. A signed order's content never changes (a change is a new
    order that voids it) and a void is final; a superseded protocol version never changes
    (orders made with it point at it); double-checks, their resolutions and course phase steps
    are append-only. Status columns (voided_*, phase) stay writable."""

    dependencies = [("dosing", "0001_initial")]
    operations = [
        frozen("dosing_infusionorder", ORDER_CONTENT, signed_column="signed_at"),
        migrations.RunPython(_void_is_final, elidable=False),
        frozen("dosing_protocol", PROTOCOL_CONTENT, signed_column="superseded_at"),
        frozen(
            "dosing_treatmentcourse",
            [
                "public_id",
                "patient_id",
                "protocol_id",
                "indication_category",
                "created_by_id",
                "created_at",
            ],
        ),
        append_only("dosing_doublecheck"),
        append_only("dosing_mismatchresolution"),
        append_only("dosing_coursephasechange"),
    ]
