"""The five checklists every deployment starts with; their items name the category codes they become cases of,
linked here when those categories already exist (else by services.checklist_link_categories later)."""

from django.db import migrations

# (code, name, kind, place kind, description, ((item text, finding, category code), …)): data, in the language patrols use.
CHECKLISTS = (
    (
        "fire-equipment",
        "消防柜/灭火器检查（按楼栋）",
        "fire_equipment",
        "building",
        "逐单元检查消防柜（消火栓箱）和灭火器，查看疏散通道和应急照明。",
        (
            ("消防柜（消火栓箱）玻璃完好，柜门能正常打开", "消防柜玻璃破损或柜门打不开", "XF-XFS"),
            ("水带、水枪、阀门齐全，无缺失、无锈死", "消防柜水带水枪缺失或锈死", "XF-XFS"),
            ("灭火器在位，压力表指针在绿区", "灭火器缺失或失压", "XF-XFS"),
            ("灭火器在有效期内（查看检验标签）", "灭火器过期", "XF-XFS"),
            ("应急照明、安全出口指示灯完好", "应急照明或安全出口指示灯损坏", "XF-XFS"),
            ("疏散楼梯、安全出口畅通，未上锁", "疏散通道堵塞或安全出口上锁", "XF-TD"),
        ),
    ),
    (
        "ebike",
        "电动车停放与充电（飞线充电）",
        "ebike",
        "building",
        "电动自行车不进楼入户、不在楼道停放，不飞线充电，不私拉电线充电。",
        (
            ("楼道、门厅、楼梯间无电动自行车停放", "电动车在楼道停放", "XF-TD"),
            ("无从窗户、阳台拉线的飞线充电", "飞线充电（从窗户、阳台拉线）", "XF-FX"),
            ("无私拉电线、接线板在楼道充电", "楼道私拉电线充电", "XF-FX"),
            ("无电动车电池入户充电", "电动车电池入户充电", "XF-FX"),
            ("电动车停放在车棚或指定区域", "电动车乱停占用通道", "ZA-TC"),
            ("集中充电桩、充电车棚正常使用", "集中充电设施损坏", "XF"),
        ),
    ),
    (
        "corridor",
        "楼道杂物检查",
        "corridor",
        "building",
        "楼道内不堆放杂物，保持消防通道畅通。",
        (
            ("楼道内无堆放纸箱、旧家具等杂物", "楼道堆放杂物", "HJ-ZW"),
            ("无油桶、液化气罐等易燃易爆物品存放", "楼道存放易燃易爆物品", "HJ-ZW"),
            ("楼梯、消防通道畅通，宽度未被占用", "消防通道被占用", "XF-TD"),
            ("楼道灯正常", "楼道灯不亮", "FW-LDD"),
        ),
    ),
    (
        "shop-fire",
        "商铺消防安全检查",
        "shop_fire",
        "shop",
        "沿街商铺、小区底商的消防器材、疏散通道、用电用气和“三合一”住人检查。",
        (
            ("配备灭火器，且在有效期内", "商铺灭火器缺失或过期", "XF-XFS"),
            ("安全出口、疏散通道畅通", "商铺安全出口堵塞", "XF-TD"),
            ("无“三合一”违规住人", "商铺“三合一”违规住人", "XF"),
            ("电气线路无私拉乱接、无超负荷用电", "商铺私拉乱接电线", "GY-GD"),
            ("燃气使用规范，装有燃气报警器", "商铺燃气使用不规范", "GY-RQ"),
            ("店内无电动车或电池充电", "商铺内电动车充电", "XF-FX"),
        ),
    ),
    (
        "gas",
        "燃气器具安全检查",
        "gas",
        "building",
        "入户抽查燃气软管、报警器、阀门和灶具。",
        (
            ("燃气软管无老化、龟裂，长度不超过2米", "燃气软管老化或超长", "GY-RQ"),
            ("燃气报警器已安装且工作正常", "燃气报警器缺失或失效", "GY-RQ"),
            ("燃气表、阀门、接口无泄漏（闻味或肥皂水检查）", "燃气泄漏", "GY-RQ"),
            ("灶具带熄火保护装置", "灶具无熄火保护", "GY-RQ"),
            ("无私自改装、包封燃气管道", "私自改装燃气管道", "GY-RQ"),
        ),
    ),
)


def add_checklists(apps, schema_editor):
    ChecklistTemplate = apps.get_model("patrols", "ChecklistTemplate")
    ChecklistItem = apps.get_model("patrols", "ChecklistItem")
    Category = apps.get_model("cases", "Category")
    codes = {code for *_rest, items in CHECKLISTS for _text, _finding, code in items}
    categories = {c.code: c for c in Category.objects.filter(code__in=codes)}
    for code, name, kind, place_kind, description, items in CHECKLISTS:
        template, created = ChecklistTemplate.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "place_kind": place_kind, "description": description},
        )
        if not created:
            continue
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(
                    template=template,
                    order=n,
                    text=text,
                    finding=finding,
                    category_code=category_code,
                    category=categories.get(category_code),
                )
                for n, (text, finding, category_code) in enumerate(items, start=1)
            ]
        )


def remove_checklists(apps, schema_editor):
    ChecklistTemplate = apps.get_model("patrols", "ChecklistTemplate")
    ChecklistTemplate.objects.filter(code__in=[c[0] for c in CHECKLISTS], rounds=None, inspections=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patrols", "0001_initial"),
        ("cases", "0006_category_is_public"),
    ]

    operations = [migrations.RunPython(add_checklists, remove_checklists)]
