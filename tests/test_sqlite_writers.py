"""The SQLite backend's writer queue (config/db/sqlite3): a transaction holds a file lock beside the
database from its BEGIN to its COMMIT or ROLLBACK, so writers in other processes wait their turn
without SQLite's sleeps; the wait is bounded; the data stays right."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db import connection as site_database
from django.db.utils import ConnectionHandler

# The databases here are files of each test's own; the mark only lets pytest-django open them.
pytestmark = [pytest.mark.django_db, pytest.mark.skipif(site_database.vendor != "sqlite", reason="SQLite's backend")]


def _connection(path, **options):
    handler = ConnectionHandler({"default": {"ENGINE": "config.db.sqlite3", "NAME": str(path),
                                             "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, **options}}})
    return handler["default"]


def _lock_is_free(path) -> bool:
    fd = os.open(f"{path}.writer-lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "site.sqlite3"
    connection = _connection(path)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (id integer primary key, n integer)")
        cursor.execute("INSERT INTO counter VALUES (1, 0)")
    yield path, connection
    connection.close()


def test_a_transaction_holds_the_writer_lock_until_it_ends(database):
    path, connection = database
    assert _lock_is_free(path)
    # What `atomic()` does on this backend (the handler is not the site's, so by hand): BEGIN IMMEDIATE.
    connection._start_transaction_under_autocommit()
    assert not _lock_is_free(path)
    connection.commit()
    assert _lock_is_free(path)
    connection._start_transaction_under_autocommit()
    connection.rollback()
    assert _lock_is_free(path)


def test_writers_in_turn_lose_no_update(database):
    path, _ = database

    def add(times: int) -> None:
        connection = _connection(path)
        connection.ensure_connection()  # as atomic() does first
        for _ in range(times):
            connection._start_transaction_under_autocommit()
            with connection.cursor() as cursor:
                cursor.execute("SELECT n FROM counter WHERE id = 1")
                (n,) = cursor.fetchone()
                cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
            connection.commit()
        connection.close()

    threads = [threading.Thread(target=add, args=(100,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = _connection(path)
    with check.cursor() as cursor:
        cursor.execute("SELECT n FROM counter WHERE id = 1")
        assert cursor.fetchone() == (400,)
    check.close()
    assert _lock_is_free(path)


def test_a_lock_held_too_long_elsewhere_delays_a_writer_only_as_long_as_its_timeout(database):
    path, _ = database
    holder = os.open(f"{path}.writer-lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a process stuck while holding the lock
    try:
        connection = _connection(path, timeout=0.3)
        connection.ensure_connection()
        started = time.monotonic()
        connection._start_transaction_under_autocommit()  # goes on to SQLite's own locking
        waited = time.monotonic() - started
        with connection.cursor() as cursor:
            cursor.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
        connection.commit()
        connection.close()
        assert 0.25 <= waited < 5
    finally:
        os.close(holder)


def test_a_lock_file_that_cannot_be_opened_leaves_sqlites_own_locking(tmp_path, caplog):
    connection = _connection(tmp_path / "no-such-directory" / "site.sqlite3")
    connection._writer_lock_path = lambda: str(tmp_path / "no-such-directory" / "lock")
    connection._take_writer_lock()  # a warning, not an error: the transaction goes on
    assert not connection._writer_locked and "cannot take turns" in caplog.text


def test_a_forked_process_takes_the_lock_through_its_own_file(database):
    path, connection = database
    connection._start_transaction_under_autocommit()  # the parent holds the lock
    child = os.fork()
    if child == 0:  # the child: its inherited descriptor must not count as holding the lock
        code = 1
        try:
            started = time.monotonic()
            connection.settings_dict["OPTIONS"]["timeout"] = 0.3
            connection._take_writer_lock()
            code = 0 if time.monotonic() - started >= 0.25 else 2  # it had to wait for the parent
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    connection.rollback()
    assert os.waitstatus_to_exitcode(status) == 0
