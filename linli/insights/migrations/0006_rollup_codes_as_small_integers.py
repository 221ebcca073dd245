import linli.insights.models
from django.db import migrations


EMPTY = ["DELETE FROM insights_histogram", "DELETE FROM insights_rollup"]


def refill(apps, schema_editor):
    """The roll-ups again, from the case facts (kept current by every write, so nothing is lost)."""
    from linli.insights.facts import build_rollups_from_facts

    build_rollups_from_facts()


class Migration(migrations.Migration):
    """The roll-ups' codes become small integers (ShortCodeField): emptied, retyped, refilled from the facts.
    Reversed, the roll-ups are left empty: `linli rollup rebuild` fills them."""

    dependencies = [
        ("insights", "0005_whistle_facts"),
    ]

    operations = [
        migrations.RunSQL(EMPTY, EMPTY),
        migrations.AlterField(
            model_name="histogram",
            name="grain",
            field=linli.insights.models.ShortCodeField(default="m"),
        ),
        migrations.AlterField(
            model_name="histogram",
            name="kind",
            field=linli.insights.models.ShortCodeField(),
        ),
        migrations.AlterField(
            model_name="histogram",
            name="level",
            field=linli.insights.models.ShortCodeField(
                choices=[("g", "Grid"), ("c", "Community"), ("s", "Street"), ("d", "District")]
            ),
        ),
        migrations.AlterField(
            model_name="rollup",
            name="dim",
            field=linli.insights.models.ShortCodeField(blank=True),
        ),
        migrations.AlterField(
            model_name="rollup",
            name="grain",
            field=linli.insights.models.ShortCodeField(),
        ),
        migrations.AlterField(
            model_name="rollup",
            name="level",
            field=linli.insights.models.ShortCodeField(
                choices=[("g", "Grid"), ("c", "Community"), ("s", "Street"), ("d", "District")]
            ),
        ),
        migrations.RunPython(refill, migrations.RunPython.noop),
    ]
