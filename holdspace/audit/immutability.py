"""Database triggers that make clinical history unchangeable, even with direct SQL.

Used from migrations. Two shapes:
- append-only tables (the audit trail): no UPDATE, no DELETE, ever;
- clinical tables: no DELETE, and the listed columns never change (on signed rows only, when a
  signature column is named). Status columns stay writable so a row can be marked entered in error.
"""

from django.db import migrations

_PG_REFUSE = """
CREATE OR REPLACE FUNCTION holdspace_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'holdspace: % rows cannot be changed or removed (%)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _append_only(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            _PG_REFUSE,
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION holdspace_refuse_change();",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION holdspace_refuse_change();",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'holdspace: {table} rows are append-only'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'holdspace: {table} rows are append-only'); END;",
    ]


def _frozen(vendor: str, table: str, columns: list[str], signed_column: str | None) -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    if vendor != "postgresql":
        changed = changed.replace("IS DISTINCT FROM", "IS NOT")
    guard = f"OLD.{signed_column} IS NOT NULL AND ({changed})" if signed_column else f"({changed})"
    if vendor == "postgresql":
        return [
            _PG_REFUSE,
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION holdspace_refuse_change();",
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({guard}) EXECUTE FUNCTION holdspace_refuse_change();",
        ]
    return [
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'holdspace: {table} rows cannot be removed'); END;",
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} WHEN {guard} "
        f"BEGIN SELECT RAISE(ABORT, 'holdspace: {table} signed content cannot change'); END;",
    ]


def _run(statements_for):  # type: ignore[no-untyped-def]
    def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_for(schema_editor.connection.vendor):
            # No parameters: the PL/pgSQL body contains literal % placeholders of its own.
            schema_editor.execute(statement, params=None)

    return forwards


def append_only(table: str) -> migrations.RunPython:
    return migrations.RunPython(_run(lambda vendor: _append_only(vendor, table)), elidable=False)


def frozen(
    table: str, columns: list[str], signed_column: str | None = None
) -> migrations.RunPython:
    return migrations.RunPython(
        _run(lambda vendor: _frozen(vendor, table, columns, signed_column)), elidable=False
    )


def _drop_frozen(vendor: str, table: str) -> list[str]:
    names = (f"{table}_no_delete", f"{table}_frozen")
    on = f" ON {table}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {name}{on};" for name in names]


def refrozen(
    table: str, columns: list[str], signed_column: str | None = None
) -> migrations.RunPython:
    """`frozen` again with a new list of columns, for the migration that added them: the
    table's two triggers are dropped and created anew, so the new columns are guarded too."""
    return migrations.RunPython(
        _run(
            lambda vendor: (
                _drop_frozen(vendor, table) + _frozen(vendor, table, columns, signed_column)
            )
        ),
        elidable=False,
    )
