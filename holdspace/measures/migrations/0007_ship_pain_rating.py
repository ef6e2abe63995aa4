"""Load the shipped instruments again so that databases migrated before the 0-10 pain rating
(`pain_nrs`) was shipped get it. Loading is idempotent: unchanged files change nothing."""

from django.db import migrations


def load_shipped_instruments(apps, schema_editor):
    from holdspace.measures.store import load_shipped

    load_shipped(
        instrument_model=apps.get_model("measures", "Instrument"),
        version_model=apps.get_model("measures", "InstrumentVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("measures", "0006_completed_results_are_kept")]

    operations = [migrations.RunPython(load_shipped_instruments, migrations.RunPython.noop)]
