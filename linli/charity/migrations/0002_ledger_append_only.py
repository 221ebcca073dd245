"""On PostgreSQL the stock ledger refuses UPDATE and DELETE in the database too, whoever sends them.

The one exception is the demo's clean-up (charity/demo.py), which sets ``linli.charity_purge = 'demo'`` for its
own transaction (SET LOCAL) to remove the demo communities' rows; nothing else in the code sets it."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION charity_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('linli.charity_purge', true) = 'demo' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The stock ledger is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER charity_stockmovement_append_only
    BEFORE UPDATE OR DELETE ON charity_stockmovement
    FOR EACH ROW EXECUTE FUNCTION charity_ledger_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS charity_stockmovement_append_only ON charity_stockmovement;
DROP FUNCTION IF EXISTS charity_ledger_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % of RAISE stays as it is
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("charity", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
