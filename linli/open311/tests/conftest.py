"""What the Open311 tests share: an issued API key, the questions 下水道堵塞 asks, and readers of both formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from linli.open311.choices import Datatype
from linli.open311.models import ServiceAttribute
from linli.open311.services import api_key_issue
from linli.residents.tests.conftest import registry  # noqa: F401 - the registry's cast, for resident-linked cases

BASE = "/open311/v2"
AT_BUILDING_1 = {"lat": "39.111", "long": "117.201"}  # 吉利花园 1号楼, in grid A of 西宁道社区
IN_YANYU = {"lat": "39.162", "long": "117.182"}  # inside 燕宇社区's grid
NOWHERE = {"lat": "31.23", "long": "121.47"}  # Shanghai: in no grid of this deployment


@pytest.fixture
def api_key(world) -> str:
    """The raw key of an active client key issued by the administrator."""
    _key, raw = api_key_issue(name="天津市民通", contact="open311@example.gov.cn", created_by=world.admin)
    return raw


@pytest.fixture
def drain_attributes(world) -> list[ServiceAttribute]:
    """下水道堵塞 (ENV-DRAIN) asks: has it overflowed (required), when does it smell (several), how deep, since
    when, anything else; and tells the reporter one thing without asking."""
    specs = [
        dict(
            code="overflow",
            datatype=Datatype.SINGLEVALUELIST,
            required=True,
            description="污水是否已经漫出来了？",
            values=[{"key": "yes", "name": "已经外溢"}, {"key": "no", "name": "还没有外溢"}],
        ),
        dict(
            code="times",
            datatype=Datatype.MULTIVALUELIST,
            description="什么时候有异味？",
            values=[
                {"key": "morning", "name": "早上"},
                {"key": "evening", "name": "晚上"},
                {"key": "night", "name": "深夜"},
            ],
        ),
        dict(code="depth", datatype=Datatype.NUMBER, description="积水有多深（厘米）？"),
        dict(code="since", datatype=Datatype.DATETIME, description="从什么时候开始堵的？"),
        dict(code="detail", datatype=Datatype.TEXT, description="还有什么要补充？"),
        dict(
            code="notice",
            variable=False,
            datatype=Datatype.STRING,
            description="污水漫进家里请先关闭总阀。",
        ),
    ]
    attributes = []
    for order, spec in enumerate(specs, start=1):
        attribute = ServiceAttribute(category=world.drain, order=order, **spec)
        attribute.full_clean()
        attribute.save()
        attributes.append(attribute)
    return attributes


def xml_root(response) -> ET.Element:
    """The XML document of an answer, after checking it is UTF-8 XML with its declaration."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def read(response, fmt: str):
    """The answer as JSON data, or as an XML element."""
    return json_body(response) if fmt == "json" else xml_root(response)


def error_of(response, fmt: str) -> tuple[int, str]:
    """(code, description) of an Open311 error answer, checking its shape in either format."""
    if fmt == "json":
        body = json_body(response)
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
        return body[0]["code"], body[0]["description"]
    root = xml_root(response)
    assert root.tag == "errors" and tags(root) == ["error"]
    assert tags(root[0]) == ["code", "description"]
    return int(root[0].findtext("code")), root[0].findtext("description")


def post_request(client, fmt: str = "json", *, environ: dict | None = None, **fields):
    """POST requests.{fmt}, form-encoded like every Open311 client does (from `environ`'s REMOTE_ADDR…)."""
    from urllib.parse import urlencode

    pairs = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return client.post(
        f"{BASE}/requests.{fmt}",
        urlencode(pairs),
        content_type="application/x-www-form-urlencoded",
        **(environ or {}),
    )


def report(client, api_key: str, fmt: str = "json", *, environ: dict | None = None, **fields):
    """A good report of a blocked drain at 吉利花园1号楼 (override any field; None drops it)."""
    body = {
        "api_key": api_key,
        "service_code": "ENV-DRAIN",
        "description": "吉利花园1号楼下水道堵塞，污水漫到楼道口",
        **AT_BUILDING_1,
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    return post_request(client, fmt, environ=environ, **body)
