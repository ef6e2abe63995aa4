"""`refrozen` re-creates a table's freeze after a migration added columns: the new columns are
guarded, the old ones still are, deleting is still refused, and unsigned rows stay editable.
Runs on a scratch table inside the test's transaction (DDL is transactional on both engines)."""

from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from holdspace.audit.immutability import frozen, refrozen

TABLE = "audit_refrozen_probe"


def _apply(operation):
    """Run a migration operation's forwards code against the test connection."""
    with connection.cursor() as cursor:
        editor = SimpleNamespace(
            connection=connection, execute=lambda sql, params=None: cursor.execute(sql, params)
        )
        operation.code(None, editor)


def _sql(statement, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def probe(db):
    """A signed row (1) and an unsigned row (2); frozen on `name`, then `dose` added and the
    table refrozen on both."""
    _sql(
        f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name varchar(20), "
        "signed_at varchar(30) NULL)"
    )
    _apply(frozen(TABLE, ["name"], signed_column="signed_at"))
    _sql(f"ALTER TABLE {TABLE} ADD COLUMN dose integer NULL")
    _sql(f"INSERT INTO {TABLE} VALUES (1, 'signed', '2026-01-01', NULL)")
    _sql(f"INSERT INTO {TABLE} VALUES (2, 'draft', NULL, NULL)")
    _apply(refrozen(TABLE, ["name", "dose"], signed_column="signed_at"))


@pytest.mark.parametrize(("column", "value"), [("dose", 5), ("name", "changed")])
def test_a_signed_row_refuses_old_and_new_columns(probe, column, value):
    with pytest.raises(DatabaseError):
        _sql(f"UPDATE {TABLE} SET {column} = %s WHERE id = 1", [value])


def test_a_signed_row_still_cannot_be_deleted(probe):
    with pytest.raises(DatabaseError):
        _sql(f"DELETE FROM {TABLE} WHERE id = 1")


def test_an_unsigned_row_stays_editable(probe):
    _sql(f"UPDATE {TABLE} SET dose = 5, name = 'renamed' WHERE id = 2")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, dose FROM {TABLE} WHERE id = 2")
        assert cursor.fetchone() == ("renamed", 5)
