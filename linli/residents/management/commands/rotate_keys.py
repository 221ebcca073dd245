"""`linli rotate-keys`: new data and index keys, then every encrypted value and blind index rewritten under them.

Runs beside live traffic. Rows are rewritten in small batches, each row with a compare-and-swap on its stored
ciphertexts, so a row someone edits meanwhile is never overwritten with its old value: it is simply read again on
the next pass. The old keys stay in the ring (reads keep working, lookups try every index key) until
``--retire`` checks that no row uses them and removes them.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from linli.core.crypto import RELOAD_SECONDS, KeyRingSource, key_service, reset_key_service
from linli.core.fields import BlindIndexField, EncryptedTextField

BATCH = 500


def protected_models():
    """Every model with an encrypted column or a blind index, with those fields."""
    for model in apps.get_models():
        fields = [
            f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | BlindIndexField)
        ]
        if fields and not model._meta.proxy:
            yield model, fields


def stale_rows(model, fields) -> int:
    """How many rows still hold a value under a key that is not the active one."""
    service = key_service()
    count = 0
    for _pk, raw in _raw_batches(model, fields):
        count += sum(1 for values in raw if _needs(service, fields, values))
    return count


def _needs(service, fields, values) -> bool:
    for field, value in zip(fields, values, strict=True):
        if not value:
            continue
        if isinstance(field, EncryptedTextField) and service.needs_rotation(value):
            return True
        if isinstance(field, BlindIndexField) and service.index_needs_rotation(value):
            return True
    return False


def _raw_batches(model, fields):
    """(pks, raw column values) in batches, read straight from the table (ciphertext, not plaintext)."""
    table, pk = connection.ops.quote_name(model._meta.db_table), model._meta.pk.column
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    last = None
    while True:
        where = f"WHERE {connection.ops.quote_name(pk)} > %s" if last is not None else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {connection.ops.quote_name(pk)}, {columns} FROM {table} {where} "  # noqa: S608 - names only
                f"ORDER BY {connection.ops.quote_name(pk)} LIMIT {BATCH}",
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield [r[0] for r in rows], [r[1:] for r in rows]


def rotate_model(model, fields) -> tuple[int, int]:
    """One pass over a model: (rows rewritten, rows that changed underneath and must be read again)."""
    service = key_service()
    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = connection.ops.quote_name(model._meta.pk.column)
    rewritten = skipped = 0
    for pks, raws in _raw_batches(model, fields):
        todo = {pk: raw for pk, raw in zip(pks, raws, strict=True) if _needs(service, fields, raw)}
        if not todo:
            continue
        objs = model._base_manager.in_bulk(list(todo))
        with transaction.atomic():
            for pk, old in todo.items():
                obj = objs.get(pk)
                if obj is None:
                    continue
                new = []
                for field in fields:
                    if isinstance(field, EncryptedTextField):
                        new.append(field.get_prep_value(getattr(obj, field.attname)))
                    else:
                        new.append(field.digest_of(getattr(obj, field.source)))
                sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
                same = " AND ".join(
                    f"{connection.ops.quote_name(f.column)} IS NULL"
                    if v is None
                    else f"{connection.ops.quote_name(f.column)} = %s"
                    for f, v in zip(fields, old, strict=True)
                )
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET {sets} WHERE {pk_col} = %s AND {same}",  # noqa: S608 - names only
                        [*new, pk, *[v for v in old if v is not None]],
                    )
                    if cursor.rowcount == 1:
                        rewritten += 1
                    else:
                        skipped += 1
    return rewritten, skipped


class Command(BaseCommand):
    help = (
        "Add new encryption and index keys and re-encrypt every protected value under them, without downtime."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--resume",
            action="store_true",
            help="do not add keys: finish re-encrypting under the active ones",
        )
        parser.add_argument("--retire", action="store_true", help="remove old keys once no row uses them")
        parser.add_argument("--max-passes", type=int, default=10)

    def handle(self, *args, resume: bool, retire: bool, max_passes: int, **options):
        source = KeyRingSource()
        if retire:
            return self._retire(source)
        if not resume:
            try:
                ring = source.ring(fresh=True)
                source.save(ring.with_new_keys())
            except ImproperlyConfigured as exc:
                raise CommandError(
                    _(
                        "%(error)s With LINLI_KEYRING, add the new keys to it, restart, and run rotate-keys --resume."
                    )
                    % {"error": exc}
                ) from exc
            reset_key_service()
            ring = source.ring(fresh=True)
            self.stdout.write(
                _("New keys: data %(data)s, index %(index)s.")
                % {"data": ring.active_data, "index": ring.active_index}
            )
        models = list(protected_models())
        for number in range(1, max_passes + 1):
            total = 0
            for model, fields in models:
                done, busy = rotate_model(model, fields)
                total += done
                if done or busy:
                    self.stdout.write(
                        _("  %(model)s: %(done)d rewritten, %(busy)d changed meanwhile")
                        % {"model": model._meta.label, "done": done, "busy": busy}
                    )
            left = sum(stale_rows(m, f) for m, f in models)
            self.stdout.write(
                _("Pass %(n)d: %(total)d rows rewritten, %(left)d left.")
                % {"n": number, "total": total, "left": left}
            )
            if left == 0:
                self.stdout.write(self.style.SUCCESS(_("Every protected value is under the active keys.")))
                return
            # Another process may still be writing with the old key until it re-reads the ring.
            time.sleep(RELOAD_SECONDS)
        raise CommandError(
            _("%(left)d rows still use old keys after %(passes)d passes; run again with --resume.")
            % {"left": left, "passes": max_passes}
        )

    def _retire(self, source: KeyRingSource) -> None:
        left = sum(stale_rows(m, f) for m, f in protected_models())
        if left:
            raise CommandError(
                _("%(left)d rows still use old keys: run rotate-keys --resume first.") % {"left": left}
            )
        ring = source.ring(fresh=True)
        source.save(ring.without_retired_keys())
        reset_key_service()
        self.stdout.write(
            self.style.SUCCESS(
                _("Old keys removed; the ring holds %(data)s, %(index)s.")
                % {"data": ring.active_data, "index": ring.active_index}
            )
        )
