"""GET requests is public: no names, phones, ID numbers or e-mail; no care calls or registered residents'
cases; addresses stop at the building and points at about 10 m."""

import pytest

from linli.cases.choices import Channel
from linli.cases.services import case_create, case_create_public, case_resolve, case_respond
from linli.core.validators import mask_personal_text as scrub
from linli.open311.records import building_level

from .conftest import BASE, json_body, report, xml_root

pytestmark = pytest.mark.django_db

ID_NUMBER = "120101194103071120"  # a valid shape and check digit (GB 11643)


def public(world, **kw):
    params = {
        "channel": Channel.PHONE,
        "title": "吉利花园1号楼下水道堵塞",
        "category": world.drain,
        "description": "污水漫到楼道口",
        "lat": 39.111,
        "lon": 117.201,
    }
    params.update(kw)
    return case_create_public(**params)


def both_formats(client, path="requests") -> tuple[str, str]:
    """The JSON and the XML answer, as text."""
    as_json = client.get(f"{BASE}/{path}.json")
    as_xml = client.get(f"{BASE}/{path}.xml")
    assert as_json.status_code == as_xml.status_code == 200
    xml_root(as_xml)  # well-formed
    return as_json.content.decode(), as_xml.content.decode()


@pytest.mark.parametrize(
    "written, hidden",
    [
        ("请回电13812345678", "13812345678"),
        ("请回电 138 1234 5678", "1234 5678"),
        ("请回电138-1234-5678", "1234-5678"),
        ("请回电＋86１３８１２３４５６７８", "１２３４５６７８"),
        ("座机022-23456789", "23456789"),
        ("家里电话23456789", "23456789"),
        (f"身份证{ID_NUMBER}", ID_NUMBER),
        ("身份证12010119410307112", "0307112"),
        ("邮箱 liu.ayi@example.cn", "liu.ayi"),
    ],
)
def test_numbers_and_addresses_in_a_description_never_appear(world, client, written, hidden):
    public(world, description=f"吉利花园1号楼下水道堵塞，{written}")
    for text in both_formats(client):
        assert hidden not in text
        assert "吉利花园1号楼下水道堵塞" in text


def test_the_reporter_and_the_staff_are_never_named(world, client, api_key):
    case_id = json_body(
        report(
            client,
            api_key,
            description="刘阿姨反映：下水道堵塞，联系13812345678",
            first_name="阿姨",
            last_name="刘",
            phone="13812345678",
            email="liu.ayi@example.cn",
        )
    )[0]["service_request_id"]
    from linli.cases.models import Case

    case = Case.objects.get(number=case_id)
    case_respond(case=case, actor=world.owner)
    case_resolve(case=case, actor=world.owner, result="王网格已联系刘阿姨，疏通完毕，有问题打13912345678")
    for text in both_formats(client) + both_formats(client, f"requests/{case_id}"):
        for secret in ("刘阿姨", "王网格", "13812345678", "13912345678", "liu.ayi", "example.cn"):
            assert secret not in text
        assert "疏通完毕" in text


def test_care_calls_are_not_public(world, client):
    shown = public(world)
    care = public(world, channel=Channel.CARE_CALL, description="李奶奶按了呼叫器，说头晕")
    text, _xml = both_formats(client)
    assert shown.number in text and care.number not in text and "头晕" not in text
    assert client.get(f"{BASE}/requests/{care.number}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json", {"service_request_id": care.number}).json() == []


def test_cases_of_registered_residents_are_not_public(world, client, registry):
    """李奶奶 (living alone) calls in by phone: her case links to her and stays out of the public list."""
    linked = public(world, reporter_phone=registry.li.phone, description="家里暖气不热")
    assert linked.resident_id == registry.li.pk
    staff_linked = case_create(
        actor=world.secretary,
        title="韩大爷家漏水",
        category=world.drain,
        lat=39.111,
        lon=117.201,
        resident=registry.han,
    )
    text, xml = both_formats(client)
    for case in (linked, staff_linked):
        assert case.number not in text and case.number not in xml
        assert client.get(f"{BASE}/requests/{case.number}.xml").status_code == 404


def test_cases_without_a_tracking_code_are_not_public(world, client):
    from linli.cases.models import Case

    case = public(world)
    Case.objects.filter(pk=case.pk).update(tracking_code=None)
    assert client.get(f"{BASE}/requests.json").json() == []


def test_the_address_stops_at_the_building(world, client):
    with_building = public(world, building=world.building_1, address="吉利花园1号楼3门502")
    street_address = public(
        world, address="西宁道88号2单元301室", lat=None, lon=None, community=world.xiningdao
    )
    body = {r["service_request_id"]: r for r in json_body(client.get(f"{BASE}/requests.json"))}
    assert body[with_building.number]["address"] == "吉利花园 1号楼"
    assert body[with_building.number]["address_id"] == str(world.building_1.pk)
    assert body[street_address.number]["address"] == "西宁道88号"
    assert "502" not in client.get(f"{BASE}/requests.xml").content.decode()


@pytest.mark.parametrize(
    "address, public_part",
    [
        ("吉利花园1号楼3门502", "吉利花园1号楼"),
        ("吉利花园1号楼502", "吉利花园1号楼"),
        ("吉利花园1-2-301", "吉利花园"),
        ("贵州里5号楼二单元", "贵州里5号楼"),
        ("西宁道与西康路交口", "西宁道与西康路交口"),
        ("成都道公寓3号楼", "成都道公寓3号楼"),
    ],
)
def test_building_level_cuts_units_and_rooms(address, public_part):
    assert building_level(address) == public_part


def test_scrub_keeps_dates_and_building_numbers():
    text = "2026-11-30 发现1号楼3门口下水道堵塞，已报12345"
    assert scrub(text) == text
    assert scrub("王网格处理", names=["王网格"]) == "王**处理"


def test_a_media_url_carrying_a_phone_is_left_out(world, client, api_key):
    report(client, api_key, media_url="https://img.example.cn/a.jpg?tel=13812345678")
    report(client, api_key, media_url="https://img.example.cn/drain.jpg")
    urls = {r["media_url"] for r in json_body(client.get(f"{BASE}/requests.json"))}
    assert urls == {None, "https://img.example.cn/drain.jpg"}


def test_text_other_channels_wrote_with_control_characters_still_makes_xml(world, client):
    public(world, description="楼道口\x01污水\x0b漫出")
    root = xml_root(client.get(f"{BASE}/requests.xml"))
    assert root.find("request/description").text == "楼道口污水漫出"


def test_cases_of_a_category_not_listed_publicly_stay_out(world, client):
    """助老 emergencies say who is vulnerable: taken in like any case, never listed."""
    world.fire.is_public = False
    world.fire.save()
    hidden = public(world, category=world.fire, description="楼道消防柜玻璃碎了")
    shown = public(world, description="吉利花园1号楼下水道堵塞")
    text, xml = both_formats(client)
    assert shown.number in text and hidden.number not in text and hidden.number not in xml
    assert client.get(f"{BASE}/requests/{hidden.number}.json").status_code == 404
