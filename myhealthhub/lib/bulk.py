"""Writing many rows at the speed of the database: the imports', restore's and indexes' path.

Django's ``bulk_create`` compiles every value of every row through the
query compiler, which on 10,000 rows costs many times what the database
takes to store them. Here the statement is made once per model and column
list, each value goes through its field's own conversion only where the
field has one (dates, UUIDs, JSON), and the rows reach the database as one
prepared ``executemany`` on SQLite and one ``COPY`` on PostgreSQL, streamed,
so memory does not grow with the number of rows.

Every function runs inside the caller's transaction (an import's commit, a
restore): a worker killed halfway leaves nothing. The ORM stays everywhere
else; this is only for the paths that write thousands of rows at once.
Rows are model instances, built as usual, or plain values by attribute
name (``Values``); their defaults and ``auto_now`` fields are filled here as
``save`` would. ``insert`` gives them no primary keys; ``reserve_ids`` does
beforehand where rows of another table point to them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import operator
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, cast

import orjson
from django.db import connections, models, router, transaction
from django.utils import timezone

# Rows handed to one executemany: bounded so converted rows never pile up.
CHUNK = 5000
# Fields whose value reaches the database as Python gives it (AutoField is an IntegerField).
AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
)

# A field's conversion to what the database stores: ``get_db_prep_save``.
Converter = Callable[[Any, Any], Any]
Written = tuple[tuple[models.Field[Any, Any], Converter | None], ...]
# A row given as its values by attribute name ("profile_id"), without the
# cost of a model instance (a third of the time of writing 100,000 rows);
# the fields it leaves out take their defaults, and dates stamped on saving
# the present.
Values = Mapping[str, Any]
Rows = Iterable[models.Model] | Iterable[Values]


def insert(model: type[models.Model], objects: Rows, *, skip_present: bool = False) -> int:
    """Insert the objects as new rows; returns how many were offered.

    ``skip_present`` leaves out, without an error, each row a unique
    constraint finds already stored (a device reading of the same moment).
    """
    conflict = "ON CONFLICT DO NOTHING" if skip_present else ""
    return _write(model, objects, with_pk=False, conflict=conflict)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    skip_present: bool = False,
) -> int:
    """Insert rows given as tuples of the ``columns`` (attribute names, every
    written field, in any order): the quickest way, for millions of readings."""
    written = {field.attname: (field, convert) for field, convert in _columns(model, with_pk=False)}
    if sorted(columns) != sorted(written):
        raise ValueError(f"{model.__name__} rows need exactly these columns: {sorted(written)}")
    conflict = "ON CONFLICT DO NOTHING" if skip_present else ""
    return _write(model, rows, with_pk=False, conflict=conflict, order=[*columns])


def insert_with_ids(
    model: type[models.Model], objects: Sequence[models.Model], *, keep_dates: bool = False
) -> int:
    """Insert objects that already have their primary keys (``reserve_ids``).

    ``keep_dates`` writes the ``auto_now`` columns as the objects hold them
    (a restored archive's dates), stamping only those left empty.
    """
    return _write(model, objects, with_pk=True, conflict="", keep_dates=keep_dates)


def upsert(
    model: type[models.Model],
    objects: Rows,
    *,
    unique: Sequence[str],
    update: Sequence[str],
) -> int:
    """Insert the objects, or where ``unique`` finds a row, replace its ``update`` columns."""
    return _write(model, objects, with_pk=False, conflict=_conflict(model, unique, update))


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken before they are written.

    On PostgreSQL from the table's own sequence. On SQLite the caller holds
    the database's write lock (every transaction here begins IMMEDIATE), so
    the keys past both the highest row and the highest ever given
    (``AUTOINCREMENT`` never gives one twice) are free until it commits.
    """
    if count == 0:
        return []
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            column = model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT max(coalesce((SELECT max(rowid) FROM {quoted}), 0), "  # noqa: S608
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        highest = cursor.fetchone()[0]
    return list(range(highest + 1, highest + 1 + count))


# Rows a transaction must add to a table before the table is analysed again.
ANALYZE_AFTER = 1000


def analyze(*tables: type[models.Model]) -> None:
    """Give the planner statistics for tables just filled in bulk (PostgreSQL).

    A table that grew by thousands of rows in one transaction has none until
    autovacuum comes by: its first pages would be planned as if it were empty.
    SQLite keeps none unless told to; the queries over bulk-filled tables
    name the index that finds their rows instead (reconcile's lookups).
    """
    connection = connections[router.db_for_write(tables[0])] if tables else None
    if connection is None or connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")


@dataclasses.dataclass
class _Written:
    """Rows written per table in one transaction, analysed once it lands."""

    rows: Counter[type[models.Model]] = dataclasses.field(default_factory=Counter)
    then: Callable[[], None] = lambda: None


# Per connection, so that threads, each with its own, never count into another's.
_written: weakref.WeakKeyDictionary[Any, _Written] = weakref.WeakKeyDictionary()


def _count(connection: Any, model: type[models.Model], rows: int) -> None:
    """Remember what this transaction wrote, so that it is analysed after the commit.

    Only on PostgreSQL and inside a transaction: a write in autocommit mode
    is analysed by autovacuum soon enough. A rolled-back transaction's
    callback is dropped with it; the next one starts counting afresh.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block or not rows:
        return
    pending = _written.get(connection)
    if pending is None or all(
        func is not pending.then for _s, func, _r in connection.run_on_commit
    ):
        pending = _written[connection] = _Written()
        pending.then = functools.partial(_analyze_written, pending)
        transaction.on_commit(pending.then, using=connection.alias, robust=True)
    pending.rows[model] += rows


def _analyze_written(pending: _Written) -> None:
    large = [model for model, rows in pending.rows.items() if rows >= ANALYZE_AFTER]
    pending.rows.clear()
    if large:
        analyze(*large)


# How a model's rows are written.


@functools.cache
def _columns(model: type[models.Model], *, with_pk: bool) -> Written:
    """Each written field with its conversion (None: as is)."""
    return tuple(
        (field, _converter(field))
        for field in model._meta.concrete_fields
        if (with_pk or not field.primary_key) and not getattr(field, "generated", False)
    )


def _converter(field: models.Field[Any, Any]) -> Converter | None:
    stored = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(stored, AS_IS):
        return None
    if isinstance(stored, models.JSONField) and stored.encoder is None:
        # As text: SQLite keeps it so and COPY reads it into jsonb.
        return _json
    if isinstance(stored, models.DateTimeField):
        return functools.partial(_moment, stored.get_db_prep_save)
    return stored.get_db_prep_save


def _moment(convert: Converter, value: Any, connection: Any) -> Any:
    """An aware datetime as the database takes it: what Django's conversion does,
    without its checks, which cost more than the rest of writing a reading."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return convert(value, connection)
    if connection.vendor == "sqlite":
        # Django keeps SQLite's datetimes as text, naive, in the connection's zone.
        return str(value.astimezone(connection.timezone).replace(tzinfo=None))
    return value


def _json(value: Any, _connection: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what orjson does not take (a key that is not text) json.dumps may
        return json.dumps(value)


def _rows(
    objects: Rows, written: Written, connection: Any, *, keep_dates: bool
) -> Iterator[list[Any]]:
    fields = [field for field, _convert in written]
    stamped = [field for field in fields if _stamped(field)]
    # Read in C, all at once; then only the values that need it are converted.
    read = operator.attrgetter(*(field.attname for field in fields))
    converted = [(at, convert) for at, (_field, convert) in enumerate(written) if convert]
    for obj in objects:
        if isinstance(obj, models.Model):
            for field in stamped:
                if not keep_dates or getattr(obj, field.attname) is None:
                    field.pre_save(obj, add=True)
            got = read(obj)
            values = list(got) if len(fields) > 1 else [got]
        else:
            values = [
                obj[field.attname] if field.attname in obj else _default(field) for field in fields
            ]
        for at, convert in converted:
            if values[at] is not None:
                values[at] = convert(values[at], connection)
        yield values


def _tuples(rows: Any, written: Written, connection: Any) -> Iterator[list[Any]]:
    converted = [(at, convert) for at, (_field, convert) in enumerate(written) if convert]
    for row in rows:
        values = list(row)
        for at, convert in converted:
            if values[at] is not None:
                values[at] = convert(values[at], connection)
        yield values


def _stamped(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _default(field: models.Field[Any, Any]) -> Any:
    return timezone.now() if _stamped(field) else field.get_default()


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def _conflict(model: type[models.Model], unique: Sequence[str], update: Sequence[str]) -> str:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    names = [_column(model, name) for name in unique]
    updated = [_column(model, name) for name in update]
    assignments = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in updated)
    target = ", ".join(quote(name) for name in names)
    return f"ON CONFLICT ({target}) DO UPDATE SET {assignments}"


def _write(
    model: type[models.Model],
    objects: Rows | Iterable[Sequence[Any]],
    *,
    with_pk: bool,
    conflict: str,
    keep_dates: bool = False,
    order: list[str] | None = None,
) -> int:
    connection = connections[router.db_for_write(model)]
    written = _columns(model, with_pk=with_pk)
    if order is None:
        rows = _rows(cast(Rows, objects), written, connection, keep_dates=keep_dates)
    else:  # tuples of values in this order (``insert_rows``)
        written = tuple(sorted(written, key=lambda each: order.index(each[0].attname)))
        rows = _tuples(objects, written, connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(_column(model, field.name)) for field, _convert in written)
    if connection.vendor == "postgresql":
        count = _copy(connection, table, names, rows, conflict)
        _count(connection, model, count)
        return count
    placeholders = ", ".join(["%s"] * len(written))
    statement = f"INSERT INTO {table} ({names}) VALUES ({placeholders}) {conflict}"  # noqa: S608
    count = 0
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, CHUNK)):
            cursor.executemany(statement, chunk)
            count += len(chunk)
    return count


def _copy(connection: Any, table: str, names: str, rows: Iterator[list[Any]], conflict: str) -> int:
    """COPY the rows; an upsert copies them into a scratch table first, then merges."""
    count = 0
    with connection.cursor() as cursor:
        target = table
        if conflict:
            target = connection.ops.quote_name("bulk_incoming")
            cursor.execute(f"DROP TABLE IF EXISTS {target}")
            empty = f"SELECT {names} FROM {table} LIMIT 0"  # noqa: S608
            cursor.execute(f"CREATE TEMPORARY TABLE {target} AS {empty}")
        # COPY is psycopg's own, past Django's cursor: its errors are made Django's
        # here (an IntegrityError, not psycopg's UniqueViolation).
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        if conflict:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} {conflict}"  # noqa: S608
            )
            cursor.execute(f"DROP TABLE {target}")
    return count
