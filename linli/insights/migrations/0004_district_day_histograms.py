from django.db import migrations, models

import linli.insights.models

KINDS = (("r", "respond_minutes"), ("x", "resolve_minutes"))


def district_days(apps, schema_editor):
    """The day histograms of the districts, from the facts (what facts.rollup_passes builds in bulk)."""
    with schema_editor.connection.cursor() as cursor:
        for prefix, column in KINDS:
            for suffix, bucket in (("h", f"{column} / 60"), ("m", column)):
                cursor.execute(
                    "INSERT INTO insights_histogram (level, unit_id, grain, period, kind, bucket, n) "
                    f"SELECT 'd', district_id, 'd', day, '{prefix}{suffix}', {bucket}, COUNT(*) "
                    f"FROM insights_casefact WHERE district_id <> 0 AND {column} IS NOT NULL "
                    f"GROUP BY district_id, day, {bucket}"
                )


class Migration(migrations.Migration):
    """Histograms get a grain like the roll-ups: a district's are also kept per day, filled here from the facts."""

    dependencies = [("insights", "0003_facts_read_from_their_indexes")]

    operations = [
        migrations.RemoveConstraint(model_name="histogram", name="insights_hist_key"),
        migrations.RenameField(model_name="histogram", old_name="month", new_name="period"),
        migrations.AddField(
            model_name="histogram", name="grain", field=models.CharField(default="m", max_length=1)
        ),
        migrations.AddConstraint(
            model_name="histogram",
            constraint=linli.insights.models.CoveringUniqueConstraint(
                fields=("level", "unit_id", "kind", "grain", "period", "bucket"),
                name="insights_hist_key",
                include=("n",),
            ),
        ),
        migrations.RunPython(district_days, migrations.RunPython.noop),
    ]
