"""The skills volunteers register with (理发, 家电维修, 医疗…)."""

from django.db import migrations

SKILLS = [
    ("haircut", "理发"),
    ("appliance-repair", "家电维修"),
    ("medical", "医疗"),
    ("nursing", "护理"),
    ("legal", "法律"),
    ("counselling", "心理"),
    ("arts", "文艺"),
    ("computer", "电脑"),
    ("education", "教育"),
    ("repair", "维修"),
]


def add_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for code, name in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name})


def remove_skills(apps, schema_editor):
    apps.get_model("volunteers", "Skill").objects.filter(code__in=[c for c, _ in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_records_codes_certificates")]

    operations = [migrations.RunPython(add_skills, remove_skills)]
