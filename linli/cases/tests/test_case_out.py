"""The intake's hand-built 201 body (api.case_out) is exactly what CaseOut, the documented schema, would give."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from linli.cases import services
from linli.cases.api import CaseOut, case_out
from linli.cases.models import Case

pytestmark = pytest.mark.django_db

VIEWERS = ["secretary", "owner", "colleague_worker", "dept", "street", "admin"]


def assert_same_body(case: Case, viewer) -> None:
    request = SimpleNamespace(user=viewer)
    fast = case_out(case, request)
    slow = CaseOut(Case.objects.with_related().get(pk=case.pk), context={"request": request}).data
    assert list(fast) == list(slow)
    assert fast == slow
    assert JSONRenderer().render(fast) == JSONRenderer().render(slow)


def several_cases(world, new_case) -> list[Case]:
    """Cases in many states: fresh, resolved, closed with feedback, triage, overdue, merged, rejected."""
    fresh = new_case()
    resolved = services.case_respond(case=new_case(title="已响应"), actor=world.owner)
    resolved = services.case_resolve(case=resolved, actor=world.owner, result="已疏通")
    closed = services.case_record_feedback(
        case=services.case_resolve(
            case=services.case_respond(case=new_case(title="回访"), actor=world.owner),
            actor=world.owner,
            result="已处理",
        ),
        actor=world.secretary,
        solved=True,
        satisfaction="satisfied",
        comment="很好",
    )
    closed = services.case_close(case=closed, actor=world.secretary)
    triage = new_case(
        lat=39.5, lon=117.9, urgency="urgent", reporter_name="Li", reporter_phone="022-23456789"
    )
    overdue = new_case(received_at=timezone.now() - timedelta(days=30), reporter_name="", reporter_phone="")
    master = new_case(title="主诉求")
    merged = services.case_merge(case=new_case(title="重复"), actor=world.secretary, into=master)
    rejected = services.case_reject(
        case=new_case(title="不予受理"), actor=world.secretary, reason="不属本社区"
    )
    return [fresh, resolved, closed, triage, overdue, master, merged, rejected]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_fast_body_equals_caseout_for_every_viewer_and_state(world, new_case, viewer):
    for case in several_cases(world, new_case):
        case = Case.objects.with_related().get(pk=case.pk)
        assert_same_body(case, getattr(world, viewer))


def test_the_contact_is_masked_or_not_by_viewer(world, new_case):
    case = new_case()
    full = case_out(case, SimpleNamespace(user=world.secretary))
    masked = case_out(case, SimpleNamespace(user=world.dept))
    assert (full["reporter_name"], full["reporter_phone"]) == ("刘阿姨", "13812345678")
    assert (masked["reporter_name"], masked["reporter_phone"]) == ("刘**", "138****5678")


@pytest.mark.parametrize("viewer", ["secretary", "admin"])
def test_a_case_straight_from_intake_needs_no_reread(world, new_case, viewer, django_assert_num_queries):
    """case_create's case holds its category, grid, community and assignee: the body costs no query."""
    case = new_case()
    user = getattr(world, viewer)
    user.scope  # noqa: B018 - loaded outside the count, as it is before intake
    with django_assert_num_queries(0):
        case_out(case, SimpleNamespace(user=user))
    assert_same_body(case, user)


def test_the_intake_answer_is_the_caseout_of_the_stored_case(world, api):
    client = api.as_(world.secretary)
    body = {
        "title": "吉利花园1号楼下水道堵塞",
        "category": "ENV-DRAIN",
        "lat": 39.111,
        "lon": 117.201,
        "reporter_name": "刘阿姨",
        "reporter_phone": "13812345678",
    }
    created = client.post("/api/v1/cases/", body, format="json")
    assert created.status_code == 201, created.json()
    stored = Case.objects.with_related().get(pk=created.json()["id"])
    expected = CaseOut(stored, context={"request": SimpleNamespace(user=world.secretary)}).data
    assert created.content == JSONRenderer().render(expected)
