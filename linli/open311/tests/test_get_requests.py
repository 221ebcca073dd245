"""GET requests: its filters, the 90-day window and the 1000-row cap, single requests, tokens, jurisdictions, and
how Linli's states read as open/closed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from linli.cases.choices import Channel, Status
from linli.cases.models import Case
from linli.cases.services import (
    case_create_public,
    case_merge,
    case_reject,
    case_resolve,
    case_respond,
    whistle_blow,
)

from .conftest import BASE, error_of, json_body, xml_root

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


def take_in(
    world, *, at=None, category=None, lat=39.111, lon=117.201, description="吉利花园1号楼下水道堵塞", **kw
):
    """A case taken in from the public (by default at 吉利花园1号楼), at a given time."""
    with time_machine.travel(at or NOW, tick=False):
        return case_create_public(
            channel=kw.pop("channel", Channel.PHONE),
            title=description[:60],
            category=category or world.drain,
            description=description,
            lat=lat,
            lon=lon,
            **kw,
        )


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in json_body(response)]


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_the_default_query_is_the_last_90_days_newest_first(world, client):
    old = take_in(world, at=NOW - timedelta(days=91))
    older_in_window = take_in(world, at=NOW - timedelta(days=89))
    newest = take_in(world, at=NOW - timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        assert ids(client.get(f"{BASE}/requests.json")) == [newest.number, older_in_window.number]
        window = {"start_date": "2026-08-01T00:00:00+08:00", "end_date": "2026-09-01T00:00:00+08:00"}
        assert ids(client.get(f"{BASE}/requests.json", window)) == [old.number]


def test_start_date_alone_looks_90_days_on_and_end_date_alone_90_days_back(world, client, now):
    first = take_in(world, at=NOW - timedelta(days=200))
    later = take_in(world, at=NOW - timedelta(days=150))
    assert ids(client.get(f"{BASE}/requests.json", {"start_date": "2026-05-01"})) == [
        later.number,
        first.number,
    ]
    assert ids(client.get(f"{BASE}/requests.json", {"end_date": "2026-05-20"})) == [first.number]


def test_a_window_longer_than_90_days_is_refused(world, client, now):
    response = client.get(
        f"{BASE}/requests.xml",
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
    )
    assert response.status_code == 400 and "90 days" in error_of(response, "xml")[1]


def test_dates_in_utc_and_with_an_unencoded_plus_are_understood(world, client, now):
    case = take_in(world, at=datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI))
    assert ids(client.get(f"{BASE}/requests.json", {"start_date": "2026-11-01T00:59:00Z"})) == [case.number]
    assert ids(client.get(f"{BASE}/requests.json", {"start_date": "2026-11-01T01:01:00Z"})) == []
    # "+08:00" in a query string a client did not encode arrives as " 08:00"
    response = client.get(f"{BASE}/requests.json?start_date=2026-11-01T08:59:00+08:00")
    assert ids(response) == [case.number]


def test_the_answer_stops_at_1000_requests(world, client, now):
    template = take_in(world)
    Case.objects.bulk_create(
        [
            Case(
                number=f"9026113{i:08d}",
                tracking_code=f"BULK{i:06d}",
                title="楼道杂物",
                category=world.drain,
                status=Status.ASSIGNED,
                community=world.xiningdao,
                street=world.nanyingmen,
                grid=world.grid_a,
                received_at=NOW - timedelta(minutes=i + 1),
                response_due_at=template.response_due_at,
                resolution_due_at=template.resolution_due_at,
            )
            for i in range(1000)
        ]
    )
    found = ids(client.get(f"{BASE}/requests.json"))
    assert len(found) == 1000
    assert found[0] == template.number and "9026113" + f"{999:08d}" not in found


def test_the_list_reads_a_constant_number_of_queries(world, client, now, django_assert_max_num_queries):
    for i in range(30):
        case = take_in(world, at=NOW - timedelta(hours=i + 1))
        if i % 3 == 0:
            whistle_blow(
                case=case,
                actor=world.secretary,
                department=world.chengguan,
                reason="需要城管委疏通",
                due_at=NOW + timedelta(days=1),
            )
    with django_assert_max_num_queries(2):
        assert len(ids(client.get(f"{BASE}/requests.json"))) == 30


def test_service_request_ids_override_the_other_filters(world, client, now):
    a = take_in(world, at=NOW - timedelta(days=300))
    b = take_in(world, at=NOW - timedelta(days=1), category=world.fire)
    take_in(world)
    query = {"service_request_id": f"{a.number}, {b.number},000000", "status": "open", "service_code": "NOPE"}
    assert sorted(ids(client.get(f"{BASE}/requests.json", query))) == sorted([a.number, b.number])


def test_service_code_filters_and_may_list_several(world, client, now):
    drain = take_in(world)
    fire = take_in(world, category=world.fire, description="消防栓漏水")
    assert ids(client.get(f"{BASE}/requests.json", {"service_code": "SAFE-FIRE"})) == [fire.number]
    both = ids(client.get(f"{BASE}/requests.json", {"service_code": "SAFE-FIRE,ENV-DRAIN"}))
    assert sorted(both) == sorted([drain.number, fire.number])
    response = client.get(f"{BASE}/requests.json", {"service_code": "ENV-DRAIN,NOPE"})
    assert response.status_code == 404 and "NOPE" in error_of(response, "json")[1]


def test_status_filters_open_and_closed(world, client, now):
    open_case = take_in(world)
    done = take_in(world, at=NOW - timedelta(hours=2))
    case_respond(case=done, actor=world.owner)
    case_resolve(case=done, actor=world.owner, result="已疏通")
    assert ids(client.get(f"{BASE}/requests.json", {"status": "open"})) == [open_case.number]
    assert ids(client.get(f"{BASE}/requests.json", {"status": "closed"})) == [done.number]
    assert len(ids(client.get(f"{BASE}/requests.json", {"status": "open,closed"}))) == 2
    assert len(ids(client.get(f"{BASE}/requests.json?status=open&status=closed"))) == 2


def record(client, case) -> dict:
    response = client.get(f"{BASE}/requests/{case.number}.json")
    assert response.status_code == 200, response.content
    return json_body(response)[0]


def test_a_resolved_case_is_closed_with_its_result(world, client, now):
    case = take_in(world)
    case_respond(case=case, actor=world.owner)
    case_resolve(case=case, actor=world.owner, result="已疏通主管道，楼道已清理")
    fields = record(client, case)
    assert fields["status"] == "closed" and fields["status_notes"] == "已疏通主管道，楼道已清理"


def test_a_merged_case_is_closed_and_says_into_which(world, client, now):
    master = take_in(world, at=NOW - timedelta(hours=1))
    duplicate = take_in(world)
    case_merge(case=duplicate, actor=world.secretary, into=master)
    fields = record(client, duplicate)
    assert fields["status"] == "closed" and master.number in fields["status_notes"]


def test_a_rejected_case_is_closed_with_its_reason(world, client, now):
    case = take_in(world)
    case_reject(case=case, actor=world.secretary, reason="属于燕宇社区管辖，已告知居民")
    fields = record(client, case)
    assert fields["status"] == "closed" and "属于燕宇社区管辖" in fields["status_notes"]


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ESCALATED])
def test_every_open_state_is_open(world, client, now, status):
    case = take_in(world)
    Case.objects.filter(pk=case.pk).update(status=status)
    fields = record(client, case)
    assert fields["status"] == "open" and fields["status_notes"] == str(Status(status).label)


def test_the_deadline_is_the_expected_datetime_and_a_whistled_department_is_responsible(world, client, now):
    case = take_in(world)
    fields = record(client, case)
    expected = datetime.fromisoformat(fields["expected_datetime"])
    assert expected == case.resolution_due_at
    assert fields["agency_responsible"] == "西宁道社区"
    whistle_blow(
        case=case, actor=world.owner, department=world.water, reason="水管", due_at=NOW + timedelta(days=1)
    )
    whistle_blow(
        case=case,
        actor=world.owner,
        department=world.chengguan,
        reason="疏通",
        due_at=NOW + timedelta(days=1),
    )
    assert record(client, case)["agency_responsible"] == "城管委"


def test_a_case_in_a_street_queue_is_the_streets(world, client, now):
    case = take_in(world, lat=31.23, lon=121.47, street=world.nanyingmen)
    assert record(client, case)["agency_responsible"] == "南营门街道"


def test_an_unknown_request_is_not_found(world, client, now):
    response = client.get(f"{BASE}/requests/202611300000999.xml")
    assert response.status_code == 404 and error_of(response, "xml")[0] == 404


def test_a_jurisdiction_limits_what_is_listed(world, client, now):
    xnd = take_in(world)
    yy = take_in(world, lat=39.162, lon=117.182, description="燕宇花园路灯不亮")
    everyone = ids(client.get(f"{BASE}/requests.json"))
    assert sorted(everyone) == sorted([xnd.number, yy.number])
    assert ids(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "XND"})) == [xnd.number]
    assert ids(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "YY"})) == [yy.number]
    assert ids(client.get(f"{BASE}/requests.json", {"jurisdiction_id": world.xigu.code})) == [yy.number]
    assert client.get(f"{BASE}/requests/{yy.number}.json", {"jurisdiction_id": "XND"}).status_code == 404
    assert client.get(f"{BASE}/tokens/{yy.tracking_code}.json", {"jurisdiction_id": "XND"}).status_code == 404


@pytest.mark.parametrize(
    "path", ["requests.json", "services.json", "services/ENV-DRAIN.json", "tokens/ABC.json"]
)
def test_an_unknown_jurisdiction_is_not_found(world, client, path):
    response = client.get(f"{BASE}/{path}", {"jurisdiction_id": "NOWHERE"})
    assert response.status_code == 404 and "jurisdiction_id" in error_of(response, "json")[1]


def test_a_jurisdiction_does_not_change_the_services(world, client):
    everywhere = json_body(client.get(f"{BASE}/services.json"))
    assert json_body(client.get(f"{BASE}/services.json", {"jurisdiction_id": "YY"})) == everywhere


def test_a_token_is_found_case_insensitively_and_an_unknown_one_is_not(world, client, now):
    case = take_in(world)
    root = xml_root(client.get(f"{BASE}/tokens/{case.tracking_code.lower()}.xml"))
    assert root.find("request/service_request_id").text == case.number
    assert client.get(f"{BASE}/tokens/ZZZZZZZZZZ.json").status_code == 404


def test_updated_datetime_follows_the_case(world, client, now):
    case = take_in(world)
    before = record(client, case)["updated_datetime"]
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        case_respond(case=case, actor=world.owner)
    after = record(client, case)["updated_datetime"]
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) == timedelta(hours=3)
    assert (
        timezone.localtime(case.received_at).isoformat(timespec="seconds")
        == record(client, case)["requested_datetime"]
    )
