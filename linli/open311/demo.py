"""The demo's Open311 setup: the public demo key and the extra questions some demo categories ask
(linli/demo/places.py CATEGORIES).  Idempotent: what exists, even if an administrator changed it, is kept."""

from __future__ import annotations

from django.db import transaction

from linli.cases.models import Category

from .choices import Datatype
from .models import ApiKey, ServiceAttribute
from .selectors import key_digest
from .services import api_key_issue

DEMO_KEY = "linli-demo-open311"


def _choices(*pairs: tuple[str, str]) -> list[dict]:
    return [{"key": key, "name": name} for key, name in pairs]


# category code → its attributes, in order
DEMO_ATTRIBUTES: dict[str, list[dict]] = {
    "SZ-XSD": [
        {
            "code": "overflow",
            "datatype": Datatype.SINGLEVALUELIST,
            "required": True,
            "description": "污水是否已经漫出来了？",
            "values": _choices(("yes", "已经外溢"), ("no", "还没有外溢")),
        },
        {
            "code": "spot",
            "datatype": Datatype.SINGLEVALUELIST,
            "description": "堵在哪里？",
            "values": _choices(
                ("indoor", "楼内管道"), ("manhole", "楼外井口/化粪池"), ("road", "道路雨污水井")
            ),
        },
    ],
    "FW-DT": [
        {
            "code": "trapped_notice",
            "variable": False,
            "datatype": Datatype.STRING,
            "description": "有人被困请先按电梯内的警铃，或拨打电梯应急电话 96333。",
        },
        {
            "code": "trapped",
            "datatype": Datatype.SINGLEVALUELIST,
            "required": True,
            "description": "现在有人被困在电梯里吗？",
            "values": _choices(("yes", "有人被困"), ("no", "无人被困")),
        },
    ],
    "JF-ZS": [
        {
            "code": "times",
            "datatype": Datatype.MULTIVALUELIST,
            "required": True,
            "description": "噪音一般出现在什么时段？（可多选）",
            "values": _choices(
                ("morning", "清晨（6点前）"),
                ("day", "白天"),
                ("evening", "晚间（22点前）"),
                ("night", "深夜（22点后）"),
            ),
        },
        {
            "code": "source",
            "datatype": Datatype.SINGLEVALUELIST,
            "description": "噪音来自哪里？",
            "values": _choices(
                ("renovation", "装修施工"),
                ("neighbour", "邻居生活噪音"),
                ("business", "商铺经营"),
                ("dance", "广场舞/音响"),
                ("other", "其他"),
            ),
        },
    ],
    "GY-GR": [
        {
            "code": "temperature",
            "datatype": Datatype.NUMBER,
            "description": "室内温度是多少（℃）？",
            "datatype_description": "测得的室内温度，例如 16",
        }
    ],
    "XF-FX": [
        {
            "code": "vehicles",
            "datatype": Datatype.NUMBER,
            "description": "大约有几辆电动车在飞线充电？",
        }
    ],
    "HJ-LJ": [
        {
            "code": "since",
            "datatype": Datatype.DATETIME,
            "description": "垃圾从什么时候起没有清运？",
            "datatype_description": "日期和时间，例如 2026-06-01T08:00:00+08:00",
        }
    ],
    "SZ-LD": [
        {
            "code": "pole",
            "datatype": Datatype.STRING,
            "description": "灯杆编号（灯杆上的小牌子）",
        }
    ],
}


def build_demo() -> dict:
    """Create the demo key and the demo categories' attributes that are missing; the counts of what it created."""
    created = {"open311_api_keys": 0, "open311_service_attributes": 0}
    with transaction.atomic():
        if not ApiKey.objects.filter(key_hash=key_digest(DEMO_KEY)).exists():
            api_key_issue(name="邻里演示客户端 (demo)", contact="demo", raw_key=DEMO_KEY)
            created["open311_api_keys"] += 1
        categories = Category.objects.in_bulk(list(DEMO_ATTRIBUTES), field_name="code")
        for code, attributes in DEMO_ATTRIBUTES.items():
            category = categories.get(code)
            if category is None:
                continue
            for order, spec in enumerate(attributes, start=1):
                fields = {"order": order, **spec}
                _attribute, made = ServiceAttribute.objects.get_or_create(
                    category=category, code=fields.pop("code"), defaults=fields
                )
                created["open311_service_attributes"] += made
    return created
