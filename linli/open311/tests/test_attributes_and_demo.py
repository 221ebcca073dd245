"""Service attributes are checked where administrators edit them; the demo's key and attributes load once."""

import pytest
from django.core.exceptions import ValidationError

from linli.accounts.models import User
from linli.cases.models import Case, Category
from linli.demo import places
from linli.open311.demo import DEMO_ATTRIBUTES, DEMO_KEY, build_demo
from linli.open311.models import ApiKey, ServiceAttribute

from .conftest import BASE, json_body, report

pytestmark = pytest.mark.django_db

YES_NO = [{"key": "yes", "name": "有"}, {"key": "no", "name": "没有"}]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"code": "有 空格"}, "code"),
        ({"code": "media_url"}, "code"),
        ({"values": []}, "values"),
        ({"values": [{"key": "yes", "name": "有"}, {"key": "yes", "name": "是"}]}, "values"),
        ({"values": [{"key": "yes"}]}, "values"),
        ({"values": [{"key": "", "name": "有"}]}, "values"),
        ({"datatype": "number"}, "values"),  # a number has no choices
    ],
)
def test_an_attribute_that_does_not_fit_its_datatype_is_refused(world, fields, field):
    attribute = ServiceAttribute(
        category=world.drain,
        **{
            "code": "trapped",
            "datatype": "singlevaluelist",
            "description": "有人被困吗？",
            "values": YES_NO,
            **fields,
        },
    )
    with pytest.raises(ValidationError) as error:
        attribute.full_clean()
    assert field in error.value.message_dict


def test_a_good_attribute_passes(world):
    ServiceAttribute(
        category=world.drain,
        code="trapped",
        datatype="singlevaluelist",
        description="有人被困吗？",
        values=YES_NO,
    ).full_clean()


@pytest.fixture
def admin_client(client, world):
    client.force_login(User.objects.create_superuser("sysadmin", password="Linli-test-2026"))
    return client


def admin_form(world, **fields):
    return {
        "category": world.drain.pk,
        "code": "overflow",
        "description": "污水是否已经漫出来了？",
        "variable": "on",
        "datatype": "singlevaluelist",
        "values": "yes|已经外溢\n\nno | 还没有外溢\n",
        "required": "on",
        "datatype_description": "",
        "order": "1",
        **fields,
    }


def test_the_admin_edits_choices_as_lines(world, admin_client):
    response = admin_client.post("/admin/open311/serviceattribute/add/", admin_form(world))
    assert response.status_code == 302, response.context["adminform"].form.errors
    attribute = ServiceAttribute.objects.get()
    assert attribute.values == [{"key": "yes", "name": "已经外溢"}, {"key": "no", "name": "还没有外溢"}]
    page = admin_client.get(f"/admin/open311/serviceattribute/{attribute.pk}/change/").content.decode()
    assert "yes|已经外溢" in page
    assert (
        json_body(admin_client.get(f"{BASE}/services/ENV-DRAIN.json"))["attributes"][0]["code"] == "overflow"
    )


@pytest.mark.parametrize(
    "fields", [{"values": "yes 已经外溢"}, {"values": ""}, {"datatype": "text"}, {"code": "bad code"}]
)
def test_the_admin_refuses_bad_choices(world, admin_client, fields):
    response = admin_client.post("/admin/open311/serviceattribute/add/", admin_form(world, **fields))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not ServiceAttribute.objects.exists()


def test_the_demo_attributes_belong_to_demo_categories_and_are_valid(world):
    demo_codes = {c.code for c in places.CATEGORIES}
    assert set(DEMO_ATTRIBUTES) <= demo_codes
    category = Category.objects.create(code="DEMO-CHECK", name="检查")
    for attributes in DEMO_ATTRIBUTES.values():
        for order, spec in enumerate(attributes, start=1):
            ServiceAttribute(category=category, order=order, **spec).full_clean()


def test_build_demo_creates_the_key_and_attributes_once(world):
    Category.objects.create(code="SZ-XSD", name="下水道堵塞", response_minutes=30, resolution_working_days=2)
    Category.objects.create(code="FW-DT", name="电梯故障/多年未更换")
    assert build_demo() == {
        "open311_api_keys": 1,
        "open311_service_attributes": len(DEMO_ATTRIBUTES["SZ-XSD"]) + len(DEMO_ATTRIBUTES["FW-DT"]),
    }
    assert build_demo() == {"open311_api_keys": 0, "open311_service_attributes": 0}
    assert ApiKey.objects.get().prefix == DEMO_KEY[:8]


def test_the_demo_key_posts_with_the_demo_attributes(world, client):
    Category.objects.create(code="FW-DT", name="电梯故障/多年未更换")
    build_demo()
    services = {s["service_code"]: s for s in json_body(client.get(f"{BASE}/services.json"))}
    assert services["FW-DT"]["metadata"] is True
    response = report(client, DEMO_KEY, service_code="FW-DT", description="吉利花园1号楼电梯停在3楼不动了")
    assert response.status_code == 400 and b"attribute[trapped] is required" in response.content
    response = report(
        client,
        DEMO_KEY,
        service_code="FW-DT",
        description="吉利花园1号楼电梯停了",
        **{"attribute[trapped]": "no"},
    )
    assert response.status_code == 200
    assert Case.objects.get().attributes == {"trapped": "no"}
