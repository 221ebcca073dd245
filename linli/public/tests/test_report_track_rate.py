"""The resident's pages through the test client: report without an account, track by code, rate the answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from linli.cases import services
from linli.cases.choices import Action, Channel, Satisfaction, Status
from linli.cases.models import Attachment, Case
from linli.core.models import AuditEntry

from .conftest import jpeg

REPORT = "/r/"


def _report(client, world, REMOTE_ADDR="127.0.0.1", **extra):  # noqa: N803 - the WSGI name
    data = {
        "category": world.drain.pk,
        "description": "吉利花园1号楼下水道堵塞。污水漫到楼道口，老人出门要绕着走",
        "building": world.building_1.pk,
    }
    data.update(extra)
    return client.post(REPORT, data, REMOTE_ADDR=REMOTE_ADDR)


def _case_from(response) -> Case:
    assert response.status_code == 302, response.content.decode()[:2000]
    code = re.search(r"/r/t/([A-Z0-9]+)/\?new=1$", response["Location"]).group(1)
    return Case.objects.get(tracking_code=code)


def test_report_page_offers_plain_categories_the_emergency_numbers_and_no_sign_in(client, world):
    page = client.get(REPORT)
    html = page.content.decode()
    assert page.status_code == 200
    assert "119" in html and "120" in html and "110" in html
    assert "环境卫生" in html and "下水道堵塞" in html and "消防设施损坏" in html
    assert "/accounts/login/" not in html


def test_a_resident_reports_from_a_building_qr_code_and_the_grid_worker_gets_it(client, world):
    page = client.get(REPORT, {"b": world.building_1.pk})
    assert "吉利花园 1号楼" in page.content.decode()

    case = _case_from(_report(client, world, reporter_name="刘阿姨", reporter_phone="13812345678"))
    assert case.channel == Channel.RESIDENT_WEB
    assert case.title == "吉利花园1号楼下水道堵塞"
    assert case.grid == world.grid_a and case.assignee == world.owner
    assert case.status == Status.ASSIGNED
    assert case.reporter_phone == "13812345678" and case.created_by is None
    assert len(case.tracking_code) == 10
    first = case.events.get()
    assert first.action == Action.CREATE and first.actor is None
    assert AuditEntry.objects.filter(event="public_report", object_id=str(case.pk)).exists()


def test_a_report_located_by_the_browser_lands_in_the_grid_of_that_point(client, world):
    case = _case_from(_report(client, world, building="", lat="39.1115", lon="117.2055"))
    assert case.grid == world.grid_b and case.assignee == world.colleague_worker


def test_a_photo_taken_with_gps_locates_the_report_and_its_location_is_stripped(client, world):
    upload = jpeg(gps=(39.1112, 117.2012))
    case = _case_from(_report(client, world, building="", photos=[upload]))
    assert case.grid == world.grid_a
    assert abs(case.lat - 39.1112) < 1e-4 and abs(case.lon - 117.2012) < 1e-4
    stored = Attachment.objects.get(case=case)
    from PIL import Image

    with Image.open(stored.file.path) as img:
        assert max(img.size) <= 1600
        assert not img.getexif()  # no GPS, no camera make: nothing of the original's metadata


def test_a_report_without_any_place_still_reaches_a_triage_queue_only_when_it_has_a_community(client, world):
    case = _case_from(_report(client, world, building=""))
    assert case.grid is None and case.community is None and case.status == Status.RECEIVED


def test_bad_input_comes_back_on_the_form_with_what_was_typed(client, world):
    response = _report(client, world, description="堵", reporter_phone="12345")
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert "堵" in html and "12345" in html  # nothing typed is lost
    assert 'class="error"' in html


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_written(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("drain.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    response = _report(client, world, photos=[fake])
    assert response.status_code == 200 and Case.objects.count() == 0
    assert "drain.jpg" in response.content.decode()


def test_a_pdf_is_not_a_photo_on_the_public_page(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("notice.pdf", b"%PDF-1.4 fake", content_type="application/pdf")
    response = _report(client, world, photos=[pdf])
    assert response.status_code == 200 and Case.objects.count() == 0


def test_six_photos_are_too_many(client, world):
    response = _report(client, world, photos=[jpeg(name=f"p{i}.jpg") for i in range(6)])
    assert response.status_code == 200 and Case.objects.count() == 0


def test_the_honeypot_field_turns_robots_away(client, world):
    assert _report(client, world, website="http://spam.example").status_code == 400
    assert Case.objects.count() == 0


def test_the_sixth_report_in_a_minute_from_one_client_gets_429_with_retry_after(client, world):
    for _ in range(5):
        _case_from(_report(client, world))
    refused = _report(client, world)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert Case.objects.count() == 5
    assert AuditEntry.objects.filter(event="rate_limited", outcome="denied").count() == 1
    # another client is not held up by this one
    other = client.post(
        REPORT, {"category": world.drain.pk, "description": "楼道灯不亮了"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_one_phone_may_report_twenty_times_a_day_from_any_number_of_clients(client, world):
    for i in range(20):
        _case_from(_report(client, world, reporter_phone="13812345678", REMOTE_ADDR=f"10.0.1.{i}"))
    refused = _report(client, world, reporter_phone="13812345678", REMOTE_ADDR="10.0.2.1")
    assert refused.status_code == 429 and Case.objects.count() == 20


def test_track_shows_the_public_timeline_without_staff_names_or_personal_data(client, world):
    case = _case_from(_report(client, world, reporter_name="刘阿姨", reporter_phone="13812345678"))
    services.case_respond(case=case, actor=world.owner)
    services.case_add_note(case=case, actor=world.owner, note="联系刘阿姨13812345678，约下午上门")
    services.case_resolve(case=case, actor=world.owner, result="已疏通下水道，楼道已冲洗")
    page = client.get(reverse("public:track", args=[case.tracking_code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "已疏通下水道" in html  # the answer is for the reporter
    assert "约下午上门" not in html  # notes are for colleagues
    assert str(world.owner) not in html and "王网格" not in html
    assert "13812345678" not in html and "刘阿姨" not in html
    assert timezone.localtime(case.resolution_due_at).strftime("%Y-%m-%d") in html


def test_codes_are_forgiving_about_case_and_dashes_and_unknown_ones_are_404(client, world):
    case = _case_from(_report(client, world))
    typed = case.tracking_code.lower()[:5] + "-" + case.tracking_code.lower()[5:]
    assert client.post("/r/t/", {"code": typed})["Location"] == f"/r/t/{case.tracking_code}/"
    assert client.get("/r/t/ZZZZZZZZZZ/").status_code == 404


@time_machine.travel("2026-06-01 09:00:10+08:00", tick=False)  # one instant: every request in one window
def test_guessing_codes_is_throttled(client, world):
    statuses = [client.get(f"/r/t/GUESS{i:05d}/").status_code for i in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_the_reporter_rates_after_resolution_and_dissatisfied_reopens(client, world):
    case = _case_from(_report(client, world))
    rate_url = reverse("public:rate", args=[case.tracking_code])
    early = client.post(rate_url, {"solved": "1", "satisfaction": Satisfaction.SATISFIED})
    assert early.status_code == 400  # not resolved yet
    services.case_respond(case=case, actor=world.owner)
    services.case_resolve(case=case, actor=world.owner, result="已疏通")
    assert "rate-form" in client.get(reverse("public:track", args=[case.tracking_code])).content.decode()

    missing = client.post(rate_url, {"solved": "1"})
    assert missing.status_code == 400 and Case.objects.get(pk=case.pk).feedback_at is None

    response = client.post(
        rate_url, {"solved": "0", "satisfaction": Satisfaction.DISSATISFIED, "comment": "还是堵"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    assert case.feedback_comment == "还是堵"
    event = case.events.get(action=Action.FEEDBACK)
    assert event.actor is None and event.data["reopened"] is True

    services.case_resolve(case=case, actor=world.owner, result="更换了管道")
    assert client.post(rate_url, {"solved": "1", "satisfaction": Satisfaction.SATISFIED}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.satisfaction == Satisfaction.SATISFIED
    # once rated, the form is gone until the case is resolved again
    assert client.post(rate_url, {"solved": "1", "satisfaction": Satisfaction.SATISFIED}).status_code == 400


def test_a_compound_poster_offers_its_buildings_and_reports_land_in_the_compounds_community(client, world):
    html = client.get(REPORT, {"c": world.jili.pk}).content.decode()
    assert f"?b={world.building_1.pk}" in html and f"?b={world.building_3.pk}" in html
    case = _case_from(_report(client, world, building="", compound=world.jili.pk))
    assert case.community == world.xiningdao and case.address == "吉利花园"


def test_place_search_finds_buildings_and_compounds(client, world):
    html = client.get(REPORT, {"q": "吉利花园 1号"}).content.decode()
    assert f"?b={world.building_1.pk}" in html and f"?b={world.building_3.pk}" not in html
    html = client.get(REPORT, {"q": "吉利"}).content.decode()
    assert f"?c={world.jili.pk}" in html


@pytest.mark.parametrize(
    "lang,needle", [("en", "Report a problem to your community"), ("zh-hans", "向社区反映问题")]
)
def test_the_report_page_speaks_both_languages(client, world, lang, needle):
    client.cookies["django_language"] = lang
    assert needle in client.get(REPORT).content.decode()


def test_staff_who_call_the_reporter_back_see_the_tracking_code_and_a_department_does_not(client, world, api):
    case = _case_from(_report(client, world, reporter_phone="13812345678"))
    services.case_respond(case=case, actor=world.owner)
    due = timezone.now() + timedelta(days=2)
    services.whistle_blow(
        case=case, actor=world.owner, department=world.chengguan, reason="管线需市政疏通", due_at=due
    )
    assert api.as_(world.owner).get(f"/api/v1/cases/{case.pk}/").json()["tracking_code"] == case.tracking_code
    assert api.as_(world.dept).get(f"/api/v1/cases/{case.pk}/").json()["tracking_code"] == ""


def test_when_the_photo_store_fails_nothing_is_half_written_and_the_text_comes_back(
    client, world, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    def full_disk(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
    response = _report(client, world, photos=[jpeg()])
    assert response.status_code == 200
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    assert "污水漫到楼道口" in response.content.decode()


def test_the_report_page_suggests_categories_from_the_description_when_a_model_is_active(client, world):
    from linli.dispatch import selectors as dispatch_selectors
    from linli.dispatch import services as dispatch_services
    from linli.dispatch.evaluate import Dataset

    assert client.get("/r/suggest/", {"text": "楼下下水道堵了"}).json() == {"suggestions": []}  # no model yet
    drain = [
        "下水道堵塞污水漫出",
        "楼下下水道又堵了",
        "污水井堵塞冒水",
        "厨房下水管道堵塞",
        "小区下水道返臭堵塞",
    ]
    fire = ["消防栓玻璃碎了", "楼道灭火器过期", "消防柜被杂物堵住", "消防通道的消防栓漏水", "灭火器压力不足"]
    texts = [f"{t} {n}号楼" for n in range(1, 7) for t in drain + fire]
    labels = [c for _n in range(1, 7) for c in ["ENV-DRAIN"] * 5 + ["SAFE-FIRE"] * 5]
    dispatch_services.model_train(data=Dataset(texts, labels, "test"), target="category", min_rows=10)
    dispatch_selectors.forget_loaded()
    answer = client.get("/r/suggest/", {"text": "我们楼下的下水道堵塞了，污水冒出来"}).json()
    assert answer["suggestions"][0] == {"id": world.drain.pk, "name": "下水道堵塞"}
    dispatch_selectors.forget_loaded()
