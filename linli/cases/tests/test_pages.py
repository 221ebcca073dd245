"""The staff pages: sign-in, my work, intake, the case page and its actions, the problem list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from linli.cases import services
from linli.cases.models import Attachment, Case
from linli.conftest import png_bytes

pytestmark = pytest.mark.django_db

PNG = png_bytes()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_in_with_the_form_lands_on_my_work(world):
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "grid1", "password": "Linli-test-2026"})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200


def test_my_work_lists_open_cases_most_urgent_first_with_the_kpi_strip(world, new_case):
    later = new_case(title="路灯不亮")
    sooner = new_case(title="消防柜玻璃破损", category=world.fire)
    page = signed_in(world.owner).get("/cases/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(sooner.title) < html.index(later.title)
    assert 'class="kpis"' in html and "countdown" in html


def test_my_work_does_not_show_other_grids(world, new_case):
    other = new_case(title="三号楼漏水", building=world.building_3, lat=None, lon=None)
    assert other.title not in signed_in(world.owner).get("/cases/").content.decode()


def test_intake_form_creates_a_case_with_photos(world):
    client = signed_in(world.secretary)
    assert client.get("/cases/new/").status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "channel": "walk_in",
            "urgency": "normal",
            "category": world.drain.pk,
            "title": "小区门口道路未硬化",
            "description": "雨天泥泞",
            "building": world.building_1.pk,
            "reporter_name": "刘阿姨",
            "reporter_phone": "13812345678",
            "photos": [SimpleUploadedFile("road.png", PNG, content_type="image/png")],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.grid == world.grid_a and case.channel == "walk_in"
    attachment = Attachment.objects.get()
    assert attachment.stored_name.endswith(".jpg") and "road" not in attachment.file.name


def test_intake_form_shows_errors_and_keeps_nothing(world):
    client = signed_in(world.secretary)
    response = client.post(
        "/cases/new/", {"channel": "phone", "urgency": "normal", "title": "", "reporter_phone": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"title", "category", "reporter_phone"}
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "name, content",
    [("evil.php", b"<?php echo 1;"), ("photo.png", b"%PDF-1.4 not a png"), ("a.zip", b"PK\x03\x04")],
)
def test_intake_refuses_files_that_are_not_what_they_claim(world, name, content):
    client = signed_in(world.secretary)
    response = client.post(
        "/cases/new/",
        {
            "channel": "phone",
            "urgency": "normal",
            "category": world.drain.pk,
            "title": "楼道堆物",
            "building": world.building_1.pk,
            "photos": [SimpleUploadedFile(name, content)],
        },
    )
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_the_case_page_shows_the_timeline_and_only_the_allowed_actions(world, new_case):
    case = new_case()
    html = signed_in(world.owner).get(f"/cases/{case.pk}/").content.decode()
    assert 'value="respond"' in html
    assert 'value="close"' not in html and 'value="reject"' not in html
    assert "13812345678" in html
    html = signed_in(world.street).get(f"/cases/{case.pk}/").content.decode()
    assert "13812345678" not in html and "138****5678" in html


def test_acting_on_a_page_moves_the_case(world, new_case):
    case = new_case()
    client = signed_in(world.owner)
    response = client.post(
        f"/cases/{case.pk}/act/", {"action": "respond", "version": case.version, "note": "马上到"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_a_stale_page_gets_a_conflict_message_and_changes_nothing(world, new_case):
    case = new_case()
    services.case_add_note(case=case, actor=world.secretary, note="先到先得")
    client = signed_in(world.owner)
    response = client.post(f"/cases/{case.pk}/act/", {"action": "respond", "version": 1}, follow=True)
    assert (
        "changed by someone else" in response.content.decode() or "已被他人修改" in response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == "assigned"


def test_attachments_are_served_only_inside_the_scope(world, new_case):
    case = new_case()
    upload = SimpleUploadedFile("drain.png", PNG, content_type="image/png")
    from linli.core.uploads import check_uploads

    services.case_add_note(case=case, actor=world.owner, note="现场照片", attachments=check_uploads([upload]))
    attachment = Attachment.objects.get()
    url = f"/cases/files/{attachment.uuid}/"
    response = signed_in(world.owner).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")  # stored re-encoded, as JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert signed_in(world.outsider).get(url).status_code == 404


def test_the_problem_list_groups_open_cases_by_grid(world, new_case):
    new_case(title="一号楼下水道")
    new_case(title="三号楼楼道灯", building=world.building_3, lat=None, lon=None)
    new_case(title="辖区外", lat=39.9, lon=117.9)
    html = signed_in(world.secretary).get("/cases/problems/").content.decode()
    for text in ("第一网格", "第二网格", "一号楼下水道", "三号楼楼道灯", "辖区外"):
        assert text in html


def test_the_department_answers_a_whistle_from_the_case_page(world, new_case):
    from datetime import timedelta

    from django.utils import timezone

    case = services.case_respond(case=new_case(), actor=world.owner)
    whistle = services.whistle_blow(
        case=case,
        actor=world.secretary,
        department=world.chengguan,
        reason="需清掏",
        due_at=timezone.now() + timedelta(days=1),
    )
    client = signed_in(world.dept)
    assert (
        "Report in" in client.get(f"/cases/{case.pk}/").content.decode()
        or "报到" in client.get(f"/cases/{case.pk}/").content.decode()
    )
    client.post(f"/cases/whistles/{whistle.pk}/report-in/")
    client.post(f"/cases/whistles/{whistle.pk}/answer/", {"text": "已清掏"})
    whistle.refresh_from_db()
    assert whistle.status == "answered" and whistle.answer == "已清掏"


def test_notifications_page_marks_messages_read(world, new_case):
    new_case()
    client = signed_in(world.owner)
    assert world.owner.notifications.filter(read_at=None).count() == 1
    assert "吉利花园" in client.get("/cases/notifications/").content.decode()
    assert world.owner.notifications.filter(read_at=None).count() == 0


def test_english_is_available(world, new_case):
    client = signed_in(world.owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert "My work" in client.get("/cases/").content.decode()
