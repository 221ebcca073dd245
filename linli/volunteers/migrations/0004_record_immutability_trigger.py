"""On PostgreSQL, a trigger refuses UPDATE and DELETE of a confirmed service record (令67号), below the ORM.

Only a transaction that sets ``linli.purge_service_records`` to 'on' (the demo's clean-up,
``services.purge_service_records``) may delete confirmed rows; nothing may update them."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION volunteers_servicerecord_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'confirmed' THEN
        IF TG_OP = 'DELETE' AND current_setting('linli.purge_service_records', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'confirmed service record % is immutable (%)', OLD.id, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS volunteers_servicerecord_immutable ON volunteers_servicerecord;
CREATE TRIGGER volunteers_servicerecord_immutable
    BEFORE UPDATE OR DELETE ON volunteers_servicerecord
    FOR EACH ROW EXECUTE FUNCTION volunteers_servicerecord_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS volunteers_servicerecord_immutable ON volunteers_servicerecord;
DROP FUNCTION IF EXISTS volunteers_servicerecord_immutable();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % in the SQL stay literal
            cursor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0003_skills")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
