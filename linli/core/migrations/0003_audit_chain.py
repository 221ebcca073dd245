from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditentry"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="sequence"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="row_hash",
            field=models.CharField(default="", max_length=64, verbose_name="row hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="", max_length=20, verbose_name="signing key"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_seq", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default="0" * 64, max_length=64)),
                ("checkpoint_seq", models.BigIntegerField(default=0)),
                ("checkpoint_hash", models.CharField(default="0" * 64, max_length=64)),
                ("key_id", models.CharField(blank=True, max_length=20)),
                ("mac", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain head",
            },
        ),
    ]
