"""Audit rows are append-only on PostgreSQL (LG-04): a trigger refuses UPDATE and DELETE, except the purge of rows
past 180 days (the purge sets ``linli.audit_purge`` for its transaction) and the NULL a deleted user's rows get."""

from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION linli_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('linli.audit_purge', true) = 'on' AND OLD.at < now() - interval '180 days' THEN
            RETURN OLD;
        END IF;
    ELSIF NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
          AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;  -- on_delete=SET_NULL of the actor; actor_name, which the chain covers, stays
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% of seq %)', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION linli_audit_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS linli_audit_append_only();
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)  # no parameters: the function body's '%' are RAISE placeholders


def guard(apps, schema_editor):
    _run(schema_editor, GUARD)


def unguard(apps, schema_editor):
    _run(schema_editor, UNGUARD)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_chain_existing_audit_rows"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="sequence"),
        ),
        migrations.RunPython(guard, unguard),
    ]
