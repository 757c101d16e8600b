"""Database triggers that make the journal table append-only (UPDATE and DELETE refused).

Used by the migration that installs them, and by tests that must tamper behind the app's back.
Any later migration that alters ``runs_runevent`` must call ``uninstall`` then ``install`` after
its schema operation: SQLite rebuilds the table for most alterations and drops its triggers
(tests/runs/test_tamper_evidence.py fails if one forgets).
"""

from __future__ import annotations

from contextlib import contextmanager

TABLE = "runs_runevent"
_POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP; END;
    $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()""",
]
_POSTGRES_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]
_SQLITE_INSTALL = [
    f"""CREATE TRIGGER {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {op} refused'); END"""
    for op in ("UPDATE", "DELETE")
]
_SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {TABLE}_no_{op}" for op in ("update", "delete")]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_UNINSTALL
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_UNINSTALL
    raise NotImplementedError(f"No append-only trigger for {vendor}")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=True):
            cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=False):
            cursor.execute(sql)


@contextmanager
def disabled(connection):
    """Lifts the protection for the block (tests that simulate tampering only)."""
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)
