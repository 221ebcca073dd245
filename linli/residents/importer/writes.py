"""Writing planned rows in bulk: one executemany per table, values prepared by their model fields."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import connection

from linli.core.fields import BlindIndexField, EncryptedTextField

from .columns import WRITE_BATCH, _chunks


def _fk(name: str) -> str:
    """The column (attname) of a planned value: foreign keys are planned by pk."""
    return f"{name}_id" if name in ("grid", "community", "street", "care_worker", "household") else name


def _insert_rows(model, rows: list[dict], now: datetime) -> list[int]:
    """INSERT rows given as {attname: value} (the other columns get their defaults); returns their new pks.

    What ``bulk_create`` would write, at a fraction of its cost: it builds a model instance per row and compiles
    every value through the SQL compiler, and on SQLite sends at most 999 parameters per statement (40 residents),
    which was most of an import's time. Here the pks are taken first — on PostgreSQL from the column's sequence,
    on SQLite after the largest one, under the write lock the import's transaction holds (BEGIN IMMEDIATE) — and
    the rows go in one ``executemany``. Values are prepared by their fields (encryption included); blind indexes
    are computed from their source column unless given, and ``auto_now`` timestamps are ``now``."""
    if not rows:
        return []
    meta = model._meta
    qn = connection.ops.quote_name
    table, pk_column = meta.db_table, meta.pk.column
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamp = f.get_db_prep_save(now, connection)
            columns.append((f.attname, lambda row, stamp=stamp: stamp))
        elif isinstance(f, BlindIndexField):
            source = meta.get_field(f.source).attname if f.source in {g.name for g in fields} else None
            columns.append((f.attname, _index_column(f, source)))
        else:
            columns.append((f.attname, _value_column(f)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), pk_column, len(rows)],
            )
            pks = [row[0] for row in cursor.fetchall()]
        elif connection.vendor == "sqlite":
            cursor.execute(f"SELECT MAX({qn(pk_column)}) FROM {qn(table)}")
            last = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            last = max(last, found[0] if found else 0)  # AUTOINCREMENT never reuses a deleted row's id
            pks = list(range(last + 1, last + 1 + len(rows)))
        else:
            raise NotImplementedError(f"registry import on {connection.vendor}")
        sql = (
            f"INSERT INTO {qn(table)} ({qn(pk_column)}, {', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * (len(fields) + 1))})"
        )
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(
                sql,
                [
                    [pk, *(value(row) for _name, value in columns)]
                    for pk, row in zip(
                        pks[start : start + WRITE_BATCH], rows[start : start + WRITE_BATCH], strict=True
                    )
                ],
            )
    return pks


# Types a plain column of this kind takes as it is (EncryptedTextField is never plain: it encrypts).
_PLAIN_TYPES = {
    "CharField": (str,),
    "TextField": (str,),
    "SlugField": (str,),
    "ForeignKey": (int,),
    "IntegerField": (int,),
    "SmallIntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "BigIntegerField": (int,),
    "BooleanField": (bool,),
}


def _value_column(f):
    """row -> the database value of field f: its default when the row has none, prepared by the field."""
    attname = f.attname
    callable_default = f.has_default() and callable(f.default)
    default = None if callable_default else f.get_default()
    internal = f.get_internal_type()
    plain = () if isinstance(f, EncryptedTextField) else _PLAIN_TYPES.get(internal, ())
    adapt_date = connection.ops.adapt_datefield_value if internal == "DateField" else None

    def value(row: dict):
        v = row[attname] if attname in row else (f.get_default() if callable_default else default)
        if v is None or type(v) in plain:
            return v
        if adapt_date is not None and type(v) is date:
            return adapt_date(v)
        return f.get_db_prep_save(v, connection)

    return value


def _index_column(f: BlindIndexField, source: str | None):
    attname = f.attname

    def value(row: dict):
        if attname in row:
            return row[attname]
        if source is None:
            raise ValueError(f"{f.model.__name__}.{attname}: give the index, its source is not a column")
        return f.digest_of(row.get(source))

    return value


def _execute_many(model, fields: list[str], rows: list[tuple]) -> None:
    """UPDATE model SET fields... WHERE id = ... for many rows, values prepared by the model's fields."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(f) for f in fields]
    sql = (
        f"UPDATE {qn(model._meta.db_table)} SET "
        + ", ".join(f"{qn(c.column)} = %s" for c in columns)
        + f" WHERE {qn('id')} = %s"
    )
    params = [
        [c.get_db_prep_save(v, connection) for c, v in zip(columns, row[:-1], strict=True)] + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(params, WRITE_BATCH):
            cursor.executemany(sql, chunk)


def _update_rows(model, updates: list[tuple[int, dict]], now: datetime) -> None:
    """Write each row's changed columns, one executemany per set of columns; version + 1, updated_at = now.

    Unlike ``bulk_update`` (one CASE per column and row), only what changed is sent and encrypted, and an
    unchanged encrypted value need not be decrypted first."""
    if not updates:
        return
    qn = connection.ops.quote_name
    meta = model._meta
    groups: dict[tuple[str, ...], list[tuple[int, dict]]] = defaultdict(list)
    for pk, changes in updates:
        groups[tuple(sorted(changes))].append((pk, changes))
    stamp = meta.get_field("updated_at").get_db_prep_save(now, connection)
    version = qn(meta.get_field("version").column)
    for names, items in groups.items():
        columns = [meta.get_field(name) for name in names]
        sql = (
            f"UPDATE {qn(meta.db_table)} SET "
            + "".join(f"{qn(c.column)} = %s, " for c in columns)
            + f"{version} = {version} + 1, {qn(meta.get_field('updated_at').column)} = %s WHERE {qn(meta.pk.column)} = %s"
        )
        params = [
            [c.get_db_prep_save(changes[c.name], connection) for c in columns] + [stamp, pk]
            for pk, changes in items
        ]
        with connection.cursor() as cursor:
            for chunk in _chunks(params, WRITE_BATCH):
                cursor.executemany(sql, chunk)
