"""The managed list of tags the seeds and the registry use, with their security labels (AC-06)."""

from django.db import migrations

HANDLERS = ["grid_worker", "grid_leader", "secretary"]
CLOSE = ["grid_worker", "secretary"]

# code, name, target, sensitive roles (None = normal), has grade, derived, visit every N days
TAGS = [
    ("dujulaoren", "独居老人", "resident", HANDLERS, False, False, 7),
    ("gaoling", "高龄", "resident", None, False, True, None),
    ("kongchao", "空巢", "household", None, False, False, None),
    ("dibao", "低保", "household", CLOSE, False, False, None),
    ("tekun", "特困", "resident", CLOSE, False, False, 14),
    ("canji", "残疾", "resident", CLOSE, True, False, None),
    ("shineng", "失能", "resident", HANDLERS, False, False, 7),
    ("banshineng", "半失能", "resident", HANDLERS, False, False, 14),
    ("dangyuan", "党员", "resident", None, False, False, None),
    ("tuiyijunren", "退役军人", "resident", None, False, False, None),
    ("kunjingertong", "困境儿童", "resident", CLOSE, False, False, 14),
    ("zhongdianguanzhu", "重点关注", "resident", HANDLERS, False, False, 30),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("residents", "Tag")
    for order, (code, name, target, roles, has_grade, derived, every) in enumerate(TAGS, start=1):
        Tag.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "target": target,
                "sensitivity": "sensitive" if roles else "normal",
                "visible_roles": roles or [],
                "has_grade": has_grade,
                "derived": derived,
                "visit_every_days": every,
                "ordering": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]

    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
