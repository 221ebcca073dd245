"""The staff pages, the QR sign-in, the reception-day quick entry and the residents' public pages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from linli.cases.choices import Channel
from linli.cases.models import Case
from linli.conftest import png_bytes
from linli.deliberation import services
from linli.deliberation.choices import ActionStatus, MatterOutcome, MeetingType, Party, ProposalOrigin
from linli.deliberation.models import (
    ActionItem,
    Attendance,
    Decision,
    EvidencePhoto,
    Proposal,
    ReceptionMatter,
)

from .conftest import signed_in

pytestmark = pytest.mark.django_db

FIXED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_the_meeting_pages_render_for_the_secretary_and_answer_404_to_an_outsider(world, meeting):
    m = meeting()
    client = signed_in(world.secretary)
    assert client.get("/meetings/").status_code == 200
    assert client.get("/meetings/new/").status_code == 200
    page = client.get(f"/meetings/{m.pk}/")
    assert page.status_code == 200 and "居民议事会" in page.content.decode()
    qr = client.get(f"/meetings/{m.pk}/qr/")
    assert "<svg" in qr.content.decode() and m.sign_in_token in qr.content.decode()
    outsider = signed_in(world.outsider_secretary)
    for url in (f"/meetings/{m.pk}/", f"/meetings/{m.pk}/qr/", f"/meetings/{m.pk}/quick/"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/meetings/{m.pk}/approve/").status_code == 404


def test_calling_a_meeting_with_the_form(world):
    response = signed_in(world.secretary).post(
        "/meetings/new/",
        {
            "community": world.xiningdao.pk,
            "type": MeetingType.JOINT,
            "title": "四方联席协调会",
            "starts_at": "2026-12-10T15:00",
            "place": "社区会议室",
            "invited": [Party.PROPERTY, Party.RESIDENTS_REP],
        },
    )
    meeting = world.xiningdao.meetings.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.invited == [Party.PROPERTY, Party.RESIDENTS_REP] and meeting.convenor == world.secretary


def test_an_attendee_signs_in_by_the_qr_code_without_an_account(world, meeting):
    m = meeting()
    client = Client()
    url = f"/meetings/sign-in/{m.sign_in_token}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "王大爷", "party": Party.RESIDENTS_REP, "organisation": "1号楼"})
    assert response.status_code == 200 and 'id="signed-in"' in response.content.decode()
    attendance = Attendance.objects.get()
    assert attendance.by_qr and attendance.meeting == m
    assert client.post(url, {"name": "", "party": Party.RESIDENT}).status_code == 400
    assert client.post(url, {"name": "机器人", "party": Party.RESIDENT, "website": "x"}).status_code == 400
    assert Client().get("/meetings/sign-in/not-a-token/").status_code == 404
    assert Attendance.objects.count() == 1


def test_staff_tick_attendees_and_the_page_shows_the_quorum(world, meeting):
    m = meeting(type=MeetingType.JOINT)
    client = signed_in(world.owner)
    client.post(f"/meetings/{m.pk}/attend/", {"name": "物业经理", "party": Party.PROPERTY})
    html = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "物业经理" in html and 'id="quorum" class="warn"' in html


def test_a_decision_with_action_items_from_the_page_and_its_life_on_the_action_page(world, meeting):
    m = meeting(type=MeetingType.RESIDENTS_COUNCIL)
    item = services.agenda_item_add(meeting=m, actor=world.secretary, title="充电桩")
    client = signed_in(world.secretary)
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        f"/meetings/{m.pk}/agenda/{item.pk}/decide/",
        {
            "text": "安装充电桩",
            "votes_for": 7,
            "votes_against": 1,
            "form-TOTAL_FORMS": 3,
            "form-INITIAL_FORMS": 0,
            "form-0-title": "选址",
            "form-0-owner": world.dept.pk,
            "form-0-department": world.chengguan.pk,
            "form-0-deadline": deadline,
            "form-0-done_definition": "选址方案经议事会确认",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.votes_for == 7 and decision.action_items.count() == 1
    action = ActionItem.objects.get()
    dept = signed_in(world.dept)
    assert (
        f"/meetings/actions/{action.pk}/done/" in dept.get(f"/meetings/actions/{action.pk}/").content.decode()
    )
    dept.post(
        f"/meetings/actions/{action.pk}/done/",
        {
            "note": "选址在3号楼东侧",
            "version": action.version,
            "photos": [SimpleUploadedFile("site.png", png_bytes(), content_type="image/png")],
        },
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    stored = EvidencePhoto.objects.get()
    assert dept.get(f"/meetings/photos/{stored.uuid}/").status_code == 200
    assert signed_in(world.outsider).get(f"/meetings/photos/{stored.uuid}/").status_code == 404
    assert signed_in(world.water_dept).get(f"/meetings/actions/{action.pk}/").status_code == 404
    client.post(f"/meetings/actions/{action.pk}/confirm/", {"version": action.version})
    action.refresh_from_db()
    assert action.status == ActionStatus.CONFIRMED


def test_the_problem_list_shows_open_action_items_beside_the_cases(world, decided, new_case):
    new_case(title="一号楼下水道")
    *_, action = decided()
    html = signed_in(world.secretary).get("/cases/problems/").content.decode()
    assert "一号楼下水道" in html and action.title in html
    assert action.title in signed_in(world.dept).get("/cases/problems/").content.decode()
    assert action.title not in signed_in(world.outsider_secretary).get("/cases/problems/").content.decode()


def test_the_quick_entry_turns_each_matter_into_a_case_a_proposal_or_an_answer(world, meeting):
    day = meeting(type=MeetingType.RECEPTION_DAY, title="书记接待日")
    client = signed_in(world.secretary)
    url = f"/meetings/{day.pk}/quick/"
    assert "autofocus" in client.get(url).content.decode()
    r1 = client.post(
        url,
        {
            "text": "楼道灯不亮",
            "name": "刘阿姨",
            "phone": "13812345678",
            "category": world.drain.pk,
            "meeting_type": MeetingType.HALL,
            "outcome": MatterOutcome.CASE,
        },
    )
    assert r1.status_code == 302 and r1["Location"].endswith(f"{url}#next")
    r2 = client.post(
        url, {"text": "想办露天电影", "meeting_type": MeetingType.HALL, "outcome": MatterOutcome.PROPOSAL}
    )
    r3 = client.post(
        url,
        {
            "text": "低保怎么申请",
            "meeting_type": MeetingType.HALL,
            "answer": "带户口本到社区",
            "outcome": "answered",
        },
    )
    assert r2.status_code == r3.status_code == 302
    case = Case.objects.get()
    assert (
        case.channel == Channel.WALK_IN
        and case.community == world.xiningdao
        and case.reporter_name == "刘阿姨"
    )
    proposal = Proposal.objects.get()
    assert proposal.origin == ProposalOrigin.RECEPTION_DAY and proposal.meeting_type == MeetingType.HALL
    outcomes = dict(ReceptionMatter.objects.values_list("text", "outcome"))
    assert outcomes == {"楼道灯不亮": "case", "想办露天电影": "proposal", "低保怎么申请": "answered"}
    missing = client.post(url, {"text": "没选类别", "meeting_type": MeetingType.HALL, "outcome": "case"})
    assert missing.status_code == 400 and ReceptionMatter.objects.count() == 3


def test_an_evening_talk_case_comes_through_the_meeting_channel(world, meeting):
    talk = meeting(type=MeetingType.EVENING_TALK)
    services.reception_matter_record(
        meeting=talk, actor=world.owner, text="电梯门坏了", outcome=MatterOutcome.CASE, category=world.drain
    )
    assert Case.objects.get().channel == Channel.MEETING


def test_the_public_page_shows_decisions_and_states_but_no_personal_data(world, decided):
    talk, item, decision, action = decided(owner=world.secretary, department=None)
    services.attendance_add(
        meeting=talk, name="刘阿姨", party=Party.RESIDENT, organisation="13812345678", by_qr=True
    )
    services.agenda_item_update(
        item=item, actor=world.secretary, version=item.version, discussion="刘阿姨说门坏了"
    )
    assert "联系物业" not in Client().get("/meetings/public/XND/").content.decode()  # not approved yet
    services.minutes_approve(meeting=talk, actor=world.secretary)
    html = Client().get("/meetings/public/XND/").content.decode()
    assert decision.text in html and action.title in html and action.get_status_display() in html
    for private in ("刘阿姨", "13812345678", "张书记", "secretary"):
        assert private not in html
    assert "居委会" in html or "Residents&#x27; committee" in html
    assert Client().get("/meetings/public/NOPE/").status_code == 404


@time_machine.travel(FIXED, tick=False)  # one instant: every request falls in the same rate-limit window
def test_a_resident_proposes_a_matter_and_robots_and_floods_are_refused(world):
    url = "/meetings/public/XND/propose/"
    client = Client()
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "希望社区夏天晚上放露天电影", "phone": "13812345678"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.origin == ProposalOrigin.PUBLIC and proposal.community == world.xiningdao
    assert client.post(url, {"text": "机器人的提议内容", "website": "http://spam"}).status_code == 400
    assert Proposal.objects.count() == 1
    for _ in range(3):
        client.post(url, {"text": "再提一个建议吧"})
    limited = client.post(url, {"text": "第六个建议内容"})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert Proposal.objects.count() == 4


def test_the_proposal_form_has_a_daily_limit_too(world):
    url = "/meetings/public/XND/propose/"
    client = Client()
    # Five a minute for four minutes, from a fixed instant, so the day's window is the same on every run.
    for n in range(21):
        with time_machine.travel(FIXED + timedelta(seconds=61 * (n // 5)), tick=False):
            response = client.post(url, {"text": f"第{n}个建议内容"})
    assert response.status_code == 429
    assert Proposal.objects.count() == 20


def test_an_approved_meeting_stops_the_qr_sign_in(world, meeting):
    m = meeting(type=MeetingType.EVENING_TALK)
    services.agenda_item_add(meeting=m, actor=world.secretary, title="x")
    services.minutes_approve(meeting=m, actor=world.secretary)
    page = Client().get(f"/meetings/sign-in/{m.sign_in_token}/")
    assert "<form" not in page.content.decode().split("<main>")[1]


def test_a_phone_typed_into_a_decision_is_masked_on_the_public_page(world, meeting):
    talk = meeting(type=MeetingType.EVENING_TALK, title="和平夜话")
    item = services.agenda_item_add(meeting=talk, actor=world.secretary, title="电梯防风门", source="typed")
    services.decision_record(
        item=item,
        actor=world.secretary,
        text="物业联系人电话13812345678，明日安装",
        action_items=[
            {
                "title": "更换防风门（联系13812345678）",
                "owner": world.secretary,
                "department": None,
                "deadline": timezone.localdate() + timedelta(days=3),
                "done_definition": "新门装好",
            }
        ],
    )
    services.minutes_approve(meeting=talk, actor=world.secretary)
    html = Client().get("/meetings/public/XND/").content.decode()
    assert "物业联系人电话138****5678，明日安装" in html and "13812345678" not in html
