"""Who may do what. Learner: everyone who signs up. Instructor: a group an admin grants.
Staff: Django's own flag, for the admin site."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import connections, router

from . import rows

INSTRUCTORS_GROUP = "Instructors"


def is_instructor(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    # Cached on the user object: the header asks on every page.
    cached = getattr(user, "_is_instructor", None)
    if cached is None:
        cached = user.groups.filter(name=INSTRUCTORS_GROUP).exists()
        user._is_instructor = cached
    return cached


def make_instructor(user: AbstractBaseUser) -> None:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    user.groups.add(group)
    user._is_instructor = True


class RoleAwareBackend(ModelBackend):
    """Django's ModelBackend, but the signed-in user is loaded with whether they are an instructor
    (an EXISTS in the same query): the header asks on every page, and that was a query of its own.

    Every signed-in request loads its user, so the statement is written once here rather than built
    by the ORM each time (that cost 0.6 ms of Python a request against 0.08 ms: bench/bench_pages.py),
    and its row becomes a user through ``courseware.rows`` rather than ``Manager.raw()``."""

    def get_user(self, user_id):
        model = get_user_model()
        alias = router.db_for_read(model)
        read, sql = _user_sql(alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [INSTRUCTORS_GROUP, user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user, (instructor,) = read.instance(row)
        user._is_instructor = bool(instructor)  # SQLite answers 0 or 1
        return user if self.user_can_authenticate(user) else None


@lru_cache(maxsize=4)
def _user_sql(alias: str) -> tuple[rows.Columns, str]:
    """`RoleAwareBackend.get_user`'s statement, from the models' own table and column names."""
    model = get_user_model()
    read = rows.columns(model, alias, tuple(f.name for f in model._meta.concrete_fields), "u")
    quote = connections[alias].ops.quote_name
    user_table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    through = model.groups.through._meta
    link = quote(through.db_table)
    user_column = quote(through.get_field(model.groups.field.m2m_field_name()).column)
    group_column = quote(through.get_field(model.groups.field.m2m_reverse_field_name()).column)
    group_table, group_pk = quote(Group._meta.db_table), quote(Group._meta.pk.column)
    return read, (f"SELECT {read.sql}, EXISTS (SELECT 1 FROM {link} l JOIN {group_table} g "  # noqa: S608
                  f"ON g.{group_pk} = l.{group_column} WHERE l.{user_column} = u.{pk} AND g.name = %s) "
                  f"FROM {user_table} u WHERE u.{pk} = %s")
