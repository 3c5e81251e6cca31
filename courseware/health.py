"""What /healthz proves: the database answers, has its schema and takes writes; the cache answers.

"SELECT 1" is not enough: SQLite quietly creates an empty file where the database was moved away
from, and a read-only file answers every read while every login and save fails. So the probe also
checks that migrations have run and that a write transaction can begin and write, then rolls back:
on SQLite a rewrite of the header's user_version inside ``BEGIN IMMEDIATE`` (no table is touched,
nothing is committed); on PostgreSQL the server's own read-only flags.
"""

from __future__ import annotations

from django.core.cache import caches
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper


def database_problem(connection: BaseDatabaseWrapper) -> str:
    """'' when the database is usable, otherwise what is wrong (for the log, not for the page)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
            if "django_migrations" not in connection.introspection.table_names(cursor):
                return "the database has no schema (migrations have not run, or the file was replaced)"
            cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", ["courseware"])
            if not cursor.fetchone()[0]:
                return "the courseware tables are missing (run manage.py migrate)"
            return _write_problem(connection, cursor)
    except DatabaseError as error:
        return f"the database did not answer: {error}"


def _write_problem(connection: BaseDatabaseWrapper, cursor) -> str:
    if connection.vendor == "sqlite":
        if not connection.get_autocommit():
            return ""  # inside a transaction already (tests): the caller's writes prove it
        cursor.execute("BEGIN IMMEDIATE")
        try:
            cursor.execute("PRAGMA user_version")
            version = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA user_version = {version}")
        except DatabaseError as error:
            return f"the database does not take writes: {error}"
        finally:
            cursor.execute("ROLLBACK")
        return ""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
        in_recovery, read_only = cursor.fetchone()
        if in_recovery or read_only == "on":
            return "the database is read-only (a standby, or default_transaction_read_only is on)"
    return ""


def cache_problem(alias: str = "default") -> str:
    """'' when the shared cache answers. With REDIS_URL, sessions and throttles live there: a server
    that cannot reach Redis fails every login, so it must leave the load balancer's pool."""
    try:
        caches[alias].get("healthz:probe")
    except Exception as error:  # each backend raises its own client's errors (redis.ConnectionError, ...)
        return f"the cache did not answer: {type(error).__name__}: {error}"
    return ""
