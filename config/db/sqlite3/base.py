"""Django's SQLite backend, with the write lock queued in the kernel rather than by SQLite's sleeps.

SQLite lets one writer in at a time. A connection that finds the lock taken is put to sleep by
SQLite's busy handler for 1, 2, 5, 10 ... ms before it looks again, however soon the lock is
released: with two app server processes writing at once (a class answering quizzes, a load test
on one sandbox API) most of a request's time was spent asleep while the database was free. With
one gunicorn worker the sandbox's invoke URL served 0.58 of a bare view, with two 0.22
(bench/bench_pages.py).

So every transaction this backend starts (Django's ``atomic``; ``BEGIN IMMEDIATE`` takes SQLite's
write lock at once) first takes an exclusive ``flock`` on a file beside the database, and gives it
back when the transaction ends. A writer that finds it taken looks again every 0.2 ms, not after
1, 2, 5 ... ms. The wait is bounded by the database's ``timeout`` option; past it the transaction
goes on to SQLite's own busy handling as before, so a transaction stuck in one process never
hangs the others for longer than it did. SQLite's own locking is unchanged and still guards the
data: the file lock only orders those who would otherwise sleep. A database in memory has no file
and no such lock.

    DATABASES["default"]["ENGINE"] = "config.db.sqlite3"
"""

from __future__ import annotations

import fcntl
import logging
import os
import time

from django.db.backends.sqlite3 import base


POLL_S = 0.0002
log = logging.getLogger(__name__)


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock_fd: int | None = None
    _writer_lock_pid = 0
    _writer_locked = False

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return name + ".writer-lock"

    def _take_writer_lock(self) -> None:
        if self._writer_lock_fd is not None and self._writer_lock_pid != os.getpid():
            # Inherited through a fork: a flock belongs to the open file, which parent and child would
            # share, so neither would wait for the other. This process opens its own.
            os.close(self._writer_lock_fd)  # the parent's lock stays: it has its own descriptor
            self._writer_lock_fd, self._writer_locked = None, False
        if self._writer_lock_fd is None:
            path = self._writer_lock_path()
            if path is None:
                return
            try:  # read-only is enough for flock, so a file another user created serves as well
                self._writer_lock_fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
            except OSError as error:
                log.warning("SQLite writers cannot take turns through %s (%s): SQLite's own locking only", path, error)
                return
            self._writer_lock_pid = os.getpid()
        deadline = time.monotonic() + float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        while True:
            try:
                fcntl.flock(self._writer_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return  # SQLite's busy timeout decides from here
                time.sleep(POLL_S)
            else:
                self._writer_locked = True
                return

    def _give_back_writer_lock(self) -> None:
        if self._writer_locked:
            self._writer_locked = False
            fcntl.flock(self._writer_lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._give_back_writer_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._give_back_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._give_back_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._give_back_writer_lock()
            if self._writer_lock_fd is not None:
                os.close(self._writer_lock_fd)
                self._writer_lock_fd = None
