"""The audit purge as a function owned by the migration role (AC-07): the application's database role may then be
denied DELETE on the audit table altogether and still run the daily purge; the append-only trigger of 0005 still
refuses any row younger than 180 days."""

from django.db import migrations

PURGE = """
CREATE OR REPLACE FUNCTION linli_audit_purge(up_to_seq bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    purged bigint;
BEGIN
    PERFORM set_config('linli.audit_purge', 'on', true);
    DELETE FROM core_auditentry WHERE seq <= up_to_seq;
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM set_config('linli.audit_purge', 'off', true);
    RETURN purged;
END
$$;
REVOKE ALL ON FUNCTION linli_audit_purge(bigint) FROM PUBLIC;
"""

UNPURGE = "DROP FUNCTION IF EXISTS linli_audit_purge(bigint);"


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def create(apps, schema_editor):
    _run(schema_editor, PURGE)


def drop(apps, schema_editor):
    _run(schema_editor, UNPURGE)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_jobs")]

    operations = [migrations.RunPython(create, drop)]
