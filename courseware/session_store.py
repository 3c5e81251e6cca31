"""Django's database session store, reading the session with one prepared SQL statement.

Every signed-in request loads its session. Through the ORM that is a query built and compiled anew
each time, about 0.2 ms of Python on this machine against 0.02 ms for the query itself; a signed-in
page paid it before doing anything of its own (bench/bench_pages.py, "signed-in bare"). The row
becomes a ``Session`` through ``courseware.rows`` (``Manager.raw()`` cost as much again). Everything
else (saving, expiry, rotation on login, `clearsessions`) is Django's. With Redis the site uses
Django's `cached_db` store instead, which reads the cache first (config/settings.py).

    SESSION_ENGINE = "courseware.session_store"
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from . import rows


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        if not self.session_key:  # a cookie that was not a valid key
            self._session_key = None
            return None
        alias = router.db_for_read(model)
        connection = connections[alias]
        read = rows.columns(model, alias, ("session_key", "session_data", "expire_date"), "s")
        table = connection.ops.quote_name(model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {read.sql} FROM {table} s "  # noqa: S608 (names from the model)
                           "WHERE s.session_key = %s AND s.expire_date > %s", [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return read.instance(row)[0]
