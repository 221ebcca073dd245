# Job runs and the dead-letter list (RE-04), written by hand beside the audit helper's migrations.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_audit_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task_path", models.CharField(max_length=200, verbose_name="task")),
                ("fingerprint", models.CharField(db_index=True, max_length=64, verbose_name="fingerprint")),
                ("args", models.JSONField(blank=True, default=list, verbose_name="arguments")),
                ("kwargs", models.JSONField(blank=True, default=dict, verbose_name="keyword arguments")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("retrying", "Waiting to be tried again"),
                            ("dead", "Dead-lettered"),
                            ("succeeded", "Succeeded after retries"),
                        ],
                        default="retrying",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("fail_count", models.PositiveIntegerField(default=0, verbose_name="failures")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="last attempt")),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next attempt")),
                ("dead_at", models.DateTimeField(blank=True, null=True, verbose_name="dead-lettered at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
            ],
            options={
                "verbose_name": "job run",
                "verbose_name_plural": "job runs",
                "ordering": ["-last_attempt_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "retrying")),
                        fields=("fingerprint",),
                        name="jobrun_one_open_per_fingerprint",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DeadLetter",
            fields=[],
            options={
                "verbose_name": "dead-lettered job",
                "verbose_name_plural": "dead-lettered jobs",
                "ordering": ["-dead_at", "-id"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("core.jobrun",),
        ),
    ]
