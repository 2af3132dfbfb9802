"""Infrastructure faults recognised from what each driver raises, in one sentence with no
password; anything else is not a fault."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from eventsourcing.persistence import InterfaceError, OperationalError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from lifecycle.faults import store_fault, store_name


def _wrapped(error: Exception) -> Exception:
    """As eventsourcing raises it: its own class, the driver's error as the cause."""
    try:
        try:
            raise error
        except Exception as cause:
            raise OperationalError(str(cause)) from cause
    except OperationalError as outer:
        return outer


@pytest.mark.parametrize(("error", "kind"), [
    (sqlite3.OperationalError("unable to open database file"), "unopenable"),
    (sqlite3.OperationalError("database or disk is full"), "disk_full"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read_only"),
    (sqlite3.OperationalError("database is locked"), "timeout"),
    (sqlite3.DatabaseError("file is not a database"), "unopenable"),
    (OSError(errno.ENOSPC, "No space left on device"), "disk_full"),
    (OSError(errno.EROFS, "Read-only file system"), "read_only"),
])
def test_sqlite_and_file_system_faults(error, kind):
    assert store_fault(_wrapped(error)).kind == kind
    assert store_fault(error).kind == kind


def test_postgres_faults_by_what_the_driver_says():
    import psycopg
    from psycopg import errors

    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection '
        "refused\n\tIs the server running on that host and accepting TCP/IP connections?")
    fault = store_fault(_wrapped(refused))
    assert fault.kind == "unreachable" and fault.transient
    assert "\n" not in fault.detail and "Connection refused" in fault.detail
    no_db = psycopg.OperationalError('connection failed: connection to server at "h", port 5 '
                                     'failed: FATAL:  database "x" does not exist')
    assert store_fault(no_db).kind == "refused" and not store_fault(no_db).transient
    lost = psycopg.OperationalError("consuming input failed: server closed the connection "
                                    "unexpectedly")
    assert store_fault(lost).kind == "connection_lost"
    assert store_fault(errors.DiskFull("could not extend file")).kind == "disk_full"
    assert store_fault(errors.QueryCanceled("canceling statement due to statement timeout")
                       ).kind == "timeout"
    assert store_fault(errors.ReadOnlySqlTransaction("read-only")).kind == "read_only"
    assert store_fault(errors.UniqueViolation("duplicate key")) is None
    assert store_fault(errors.DeadlockDetected("deadlock detected")) is None


def test_sqlalchemy_wraps_the_driver_error_in_orig():
    wrapped = SQLAlchemyOperationalError("SELECT 1", {}, sqlite3.OperationalError(
        "disk I/O error"))
    assert store_fault(wrapped).kind == "io_error"


def test_not_a_fault():
    assert store_fault(ValueError("bug")) is None
    assert store_fault(sqlite3.OperationalError("no such table: holders")) is None
    assert store_fault(OSError(errno.ENOENT, "No such file")) is None
    assert store_fault(InterfaceError("something")) is None


def test_the_sentence_says_what_failed_and_what_to_do_without_the_password():
    import psycopg

    url = "postgresql://office:s3cret-pw@db.example:6432/records"
    fault = store_fault(psycopg.OperationalError("connection failed: s3cret-pw timeout"),
                        secrets=["s3cret-pw", None])
    sentence = fault.sentence(store_name(url))
    assert "s3cret-pw" not in sentence
    assert sentence.startswith("cannot reach PostgreSQL at db.example:6432/records")
    assert "check that the database server is running" in sentence
    assert store_name("sqlite:///data/office.db") == "the SQLite database data/office.db"
