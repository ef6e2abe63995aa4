from django.db import migrations

from holdspace.audit.immutability import frozen


def load_shipped_instruments(apps, schema_editor):
    """Every database gets the shipped instruments; loading again changes nothing.

    Uses the historical models, so store.py may only touch fields that exist at this migration.
    A later shipped-file change is picked up by `holdspace instruments load` (or a new data
    migration that calls the same function), and becomes a new version; the old one is kept.
    """
    from holdspace.measures.store import load_shipped

    load_shipped(
        apps.get_model("measures", "Instrument"), apps.get_model("measures", "InstrumentVersion")
    )


class Migration(migrations.Migration):
    """Instrument versions are never removed and their content never changes (is_current stays
    writable so a newer version can take over); instruments are never removed."""

    dependencies = [("measures", "0001_initial")]
    operations = [
        frozen(
            "measures_instrumentversion",
            ["instrument_id", "revision", "version", "content", "sha256", "loaded_at"],
        ),
        frozen("measures_instrument", ["key"]),
        migrations.RunPython(load_shipped_instruments, migrations.RunPython.noop),
    ]
