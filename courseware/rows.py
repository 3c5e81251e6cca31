"""Model instances from a hand-written SELECT, for the statements every signed-in request runs.

Every signed-in request loads its session and its user. Written as SQL once (courseware/session_store.py,
courseware/roles.py) they no longer pay the ORM's query compilation, but ``Manager.raw()`` still works out
the columns, the model's field order and each column's converters anew for every query: 0.2 ms of
Python a statement on this machine, against 0.06 ms for running it through a cursor
(bench/bench_pages.py, "signed-in bare"). A ``Columns`` does that work once per model and database and
then turns a row into an instance the way the ORM's compiler does: the database's converters, then the
field's (``from_db_value``), then ``Model.from_db``, so the instance is the same as a queryset's (not
``_state.adding``, its database recorded, fields not selected deferred).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Model


class Columns:
    """The SELECT list for ``field_names`` of ``model`` (columns of the table aliased ``table_alias``),
    and the instance a row of them makes. Extra columns after them are returned as they came."""

    def __init__(self, model: type[Model], alias: str, field_names: Sequence[str], table_alias: str) -> None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        self.model, self.alias = model, alias
        self.fields = [model._meta.get_field(name) for name in field_names]
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(f"{table_alias}.{quote(field.column)}" for field in self.fields)
        self._converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self._converters.append((index, column, found))

    def instance(self, row: Sequence[Any]) -> tuple[Model, tuple[Any, ...]]:
        """The model instance of ``row``'s first columns, and the columns after them."""
        count = len(self.fields)
        values = list(row[:count])
        connection = connections[self.alias]
        for index, column, converters in self._converters:
            value = values[index]
            for converter in converters:
                value = converter(value, column, connection)
            values[index] = value
        return self.model.from_db(self.alias, self.attnames, values), tuple(row[count:])


@lru_cache(maxsize=16)
def columns(model: type[Model], alias: str, field_names: tuple[str, ...], table_alias: str) -> Columns:
    return Columns(model, alias, field_names, table_alias)
