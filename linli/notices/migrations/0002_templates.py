"""The notice templates every deployment starts with; administrators edit them in the admin afterwards."""

from django.db import migrations

# (code, name, kind, title, body): data, in the language residents read.
TEMPLATES = (
    (
        "water_outage",
        "停水通知",
        "outage",
        "停水通知",
        "各位居民：因{reason}，{place}将于{start}至{end}暂停供水，请提前做好储水准备。给您带来不便，敬请谅解。",
    ),
    (
        "water_pause",
        "楼上暂停用水",
        "outage",
        "请暂停用水",
        "各位邻居：{place}下水管道堵塞，正在抢修。请楼上住户{start}至{end}暂停用水，不要往下水道倒水，"
        "以免楼下住户家中返水。感谢大家配合！",
    ),
    (
        "power_outage",
        "停电通知",
        "outage",
        "停电通知",
        "各位居民：因{reason}，{place}将于{start}至{end}停电，请提前做好准备。停电期间请勿乘坐电梯，"
        "注意用电安全。",
    ),
    (
        "gas_outage",
        "停气通知",
        "outage",
        "停气通知",
        "各位居民：因{reason}，{place}将于{start}至{end}暂停供气。停气期间请关闭燃气阀门；恢复供气后如闻到异味，"
        "请开窗通风并拨打燃气抢修电话。",
    ),
    (
        "fire_safety",
        "消防安全提醒",
        "safety",
        "消防安全提醒",
        "各位居民：天干物燥，请注意用火用电安全。楼道内不堆放杂物，电动自行车不进楼入户、不飞线充电，"
        "外出时关闭燃气和电源。发现火情请立即拨打119。",
    ),
    (
        "safety_reminder",
        "安全提醒",
        "safety",
        "安全提醒",
        "各位居民：近期{reason}，请大家注意防范。如遇紧急情况请拨打110，或联系社区网格员。",
    ),
    (
        "activity",
        "活动通知",
        "activity",
        "活动通知：{activity}",
        "各位居民：社区将于{start}在{place}举办{activity}，欢迎大家参加。",
    ),
    ("blank", "自定义通知", "other", "", ""),
)


def add_templates(apps, schema_editor):
    NoticeTemplate = apps.get_model("notices", "NoticeTemplate")
    for order, (code, name, kind, title, body) in enumerate(TEMPLATES, start=1):
        NoticeTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "title": title, "body": body, "ordering": order * 10}
        )


def remove_templates(apps, schema_editor):
    apps.get_model("notices", "NoticeTemplate").objects.filter(code__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
