"""PDF reports: 社区月报 and 社区排名 built by the background task, Chinese really drawn, downloads scoped."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment
from linli.core.models import AuditEntry
from linli.insights import pdf, reports, selectors
from linli.insights.report_models import ReportRequest
from linli.insights.tasks_reports import build_report

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.urls("linli.insights.tests.test_reports_urlconf")]
MONTH = date(2025, 6, 1)


@pytest.fixture
def history(world, workflow):
    return workflow.run(30, datetime(2025, 5, 5, 8, 0, tzinfo=SH))


def signed_in(user, language="en"):
    from django.conf import settings

    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page_text_and_image(data: bytes):
    document = pdfium.PdfDocument(data)
    page = document[0]
    textpage = page.get_textpage()
    return document, page, textpage, textpage.get_text_range()


def dark_pixels(image, box, page_height, scale) -> int:
    left, bottom, right, top = box
    crop = image.crop(
        (
            int(left * scale),
            int((page_height - top) * scale),
            int(right * scale) + 1,
            int((page_height - bottom) * scale) + 1,
        )
    ).convert("L")
    return sum(1 for v in crop.getdata() if v < 100)


def glyph_crops(page, textpage, text: str, scale=4):
    """The rendered pixels of each character of the first occurrence of `text` on the page."""
    searcher = textpage.search(text)
    found = searcher.get_next()
    assert found is not None, f"{text!r} is not on the page"
    index, count = found
    image = page.render(scale=scale).to_pil()
    height = page.get_height()
    crops = []
    for i in range(index, index + count):
        box = textpage.get_charbox(i)
        left, bottom, right, top = box
        crop = image.crop(
            (
                int(left * scale),
                int((height - top) * scale),
                int(right * scale) + 1,
                int((height - bottom) * scale) + 1,
            )
        ).convert("L")
        crops.append(crop)
    return crops


def request_and_build(
    actor, kind, unit_ref, month=MONTH, language="zh-hans", django_capture_on_commit_callbacks=None
):
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.request_report(
            actor=actor, kind=kind, unit_ref=unit_ref, month=month, language=language
        )
    queued = DBTaskResult.objects.filter(task_path=build_report.module_path, status="READY")
    assert [r.args_kwargs["args"] for r in queued] == [[report.pk]]
    assert build_report.call(report.pk) == "done"
    report.refresh_from_db()
    return report


def test_the_monthly_report_is_built_in_the_background_with_chinese_text_really_drawn(
    world, history, django_capture_on_commit_callbacks
):
    unit_ref = f"community:{world.xiningdao.pk}"
    report = request_and_build(
        world.secretary,
        "monthly",
        unit_ref,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    assert report.status == "done" and report.size > 0 and report.started_at and report.finished_at
    assert report.original_name == "社区月报-西宁道社区-2025-06.pdf"
    data = report.file.read()
    assert data.startswith(b"%PDF")
    document, page, textpage, text = page_text_and_image(data)
    assert "社区月报" in text and "西宁道社区" in text
    assert "2025-06-01" in text and "2025-06-30" in text
    # The glyphs are drawn: every character of the title has dark pixels, and no two are the same shape
    # (a missing glyph would be an empty or identical box).
    crops = glyph_crops(page, textpage, "社区月报")
    assert len(crops) == 4
    assert all(sum(c.histogram()[:100]) > 20 for c in crops)
    assert len({c.resize((24, 24)).tobytes() for c in crops}) == 4
    # The figures printed are the selectors' figures (no second way to compute them).
    unit = selectors.get_unit_for_user(world.secretary, unit_ref)
    figures = selectors.unit_kpis(unit, MONTH, date(2025, 6, 30))
    full_text = "".join(p.get_textpage().get_text_range() for p in document)
    for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert pdf.fmt(figures[key], True) in full_text
    assert f"{figures['received']}" in full_text
    # The definitions' version and the chart of the last 12 months are there.
    assert "2026.1" in full_text and "2024-07" in full_text and "2025-06" in full_text
    # Running the job again leaves the finished report as it is.
    before = report.file.name
    assert build_report.call(report.pk) == "done"
    report.refresh_from_db()
    assert report.file.name == before


def test_the_monthly_report_in_english_keeps_the_official_name_and_lists_no_personal_data(
    world, new_case, django_capture_on_commit_callbacks
):
    case = new_case(reporter_name="欧阳娜娜", reporter_phone="13999887766", address="吉利花园7号楼3门402")
    today = timezone.localdate()
    report = request_and_build(
        world.secretary,
        "monthly",
        f"community:{world.xiningdao.pk}",
        month=today.replace(day=1),
        language="en",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    document = pdfium.PdfDocument(report.file.read())
    text = "".join(p.get_textpage().get_text_range() for p in document)
    assert "社区月报" in text and "Monthly community report" in text and "Cases received" in text
    for secret in ("欧阳娜娜", "13999887766", "7号楼", case.title):
        assert secret not in text


def test_the_street_ranking_ranks_communities_by_the_three_rates_and_marks_a_perfect_rate(
    world, history, django_capture_on_commit_callbacks
):
    street = f"street:{world.nanyingmen.pk}"
    unit = selectors.get_unit_for_user(world.street, street)
    data = reports.street_ranking(unit, date(2025, 5, 1), date(2025, 12, 31))
    breakdown = [
        r
        for r in selectors.breakdown(unit, date(2025, 5, 1), date(2025, 12, 31), "community")
        if r["key"] != "0"
    ]
    assert [r["key"] for r in data["rows"]] == [
        r["key"]
        for r in sorted(
            breakdown, key=lambda r: (sum(data_rank(data, r["key"]).values()) / 3, -r["received"], r["name"])
        )
    ]
    for row in data["rows"]:
        source = next(r for r in breakdown if r["key"] == row["key"])
        assert {k: row[k] for k in reports.THREE_RATES} == {k: source[k] for k in reports.THREE_RATES}
    report = request_and_build(
        world.street, "ranking", street, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    document, page, textpage, text = page_text_and_image(report.file.read())
    assert "社区排名" in text and "南营门街道" in text
    crops = glyph_crops(page, textpage, "社区排名")
    assert all(sum(c.histogram()[:100]) > 20 for c in crops)


def data_rank(data, key):
    return next(r["ranks"] for r in data["rows"] if r["key"] == key)


def test_ranks_are_competition_ranks_and_a_rate_of_exactly_100_is_marked():
    rows = [
        {
            "key": "1",
            "name": "甲",
            "received": 9,
            "response_rate": 100.0,
            "resolution_rate": 80.0,
            "satisfaction_rate": 90.0,
        },
        {
            "key": "2",
            "name": "乙",
            "received": 9,
            "response_rate": 90.0,
            "resolution_rate": 80.0,
            "satisfaction_rate": None,
        },
        {
            "key": "3",
            "name": "丙",
            "received": 9,
            "response_rate": 95.0,
            "resolution_rate": 70.0,
            "satisfaction_rate": 99.0,
        },
    ]
    assert reports._rank(rows, "resolution_rate") == {"1": 1, "2": 1, "3": 3}
    assert reports._rank(rows, "satisfaction_rate") == {"3": 1, "1": 2, "2": 3}  # no rate ranks last
    styles = pdf._styles()
    assert styles["title"].fontName == pdf.FONT
    content = pdf.ranking_pdf(
        {
            "unit": selectors.OrgUnit("s", 1, "测试街道"),
            "start": date(2025, 1, 1),
            "end": date(2025, 1, 31),
            "version": "2026.1",
            "rows": [
                {
                    **rows[0],
                    "ranks": {"response_rate": 1, "resolution_rate": 1, "satisfaction_rate": 2},
                    "mean_rank": 1.33,
                    "perfect": ["response_rate"],
                    "place": 1,
                }
            ],
            "labels": {k: k for k in reports.THREE_RATES},
            "texts": {k: k for k in reports.THREE_RATES},
        }
    )
    text = pdfium.PdfDocument(content)[0].get_textpage().get_text_range()
    assert "100.0% (1) *" in text and "80.0% (1)" in text


def test_downloads_go_to_the_requester_and_others_in_the_same_scope_only(
    world, history, django_capture_on_commit_callbacks
):
    report = request_and_build(
        world.secretary,
        "monthly",
        f"community:{world.xiningdao.pk}",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    url = f"/insights/reports/{report.uuid}/file/"
    resp = signed_in(world.secretary).get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Cache-Control"] == "private, no-store"
    assert b"".join(resp.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(event="export", object_id=str(report.pk), actor=world.secretary).exists()
    assert signed_in(world.street).get(url).status_code == 200  # the street sees the community
    assert (
        signed_in(world.owner).get(url).status_code == 404
    )  # a grid worker does not see the whole community
    assert signed_in(world.outsider_secretary).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    # A report not built yet has nothing to download.
    queued = ReportRequest.objects.create(
        kind="monthly",
        unit_ref=report.unit_ref,
        unit_name="x",
        period_start=MONTH,
        period_end=MONTH,
        requested_by=world.secretary,
    )
    assert signed_in(world.secretary).get(f"/insights/reports/{queued.uuid}/file/").status_code == 404


def test_the_reports_page_asks_for_a_report_keeps_typed_values_on_error_and_lists_mine(
    world, django_capture_on_commit_callbacks
):
    client = signed_in(world.secretary)
    with translation.override("en"):
        resp = client.get("/insights/reports/")
    assert resp.status_code == 200 and "Make the report" in resp.content.decode()
    unit = f"community:{world.xiningdao.pk}"
    resp = client.post("/insights/reports/", {"kind": "ranking", "unit": unit, "month": "2025-06"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "A street ranking is made for a street or a district." in html
    assert 'value="ranking" selected' in html and 'value="2025-06"' in html
    resp = client.post("/insights/reports/", {"kind": "monthly", "unit": unit, "month": "2025-6"})
    assert resp.status_code == 400 and "Months are written YYYY-MM." in resp.content.decode()
    resp = client.post("/insights/reports/", {"kind": "monthly", "unit": unit, "month": "2999-01"})
    assert resp.status_code == 400 and "That month has not begun yet." in resp.content.decode()
    other = f"community:{world.yanyu.pk}"
    resp = client.post("/insights/reports/", {"kind": "monthly", "unit": other, "month": "2025-06"})
    assert resp.status_code == 400 and "within your responsibility" in resp.content.decode()
    assert not ReportRequest.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/insights/reports/", {"kind": "monthly", "unit": unit, "month": "2025-06"})
    assert resp.status_code == 302
    report = ReportRequest.objects.get()
    assert report.status == "queued" and report.requested_by == world.secretary and report.language == "en"
    html = client.get("/insights/reports/").content.decode()
    assert f'id="report-{report.uuid}" data-status="queued"' in html and 'http-equiv="refresh"' in html
    build_report.call(report.pk)
    html = client.get("/insights/reports/").content.decode()
    assert f"/insights/reports/{report.uuid}/file/" in html and 'http-equiv="refresh"' not in html
    # Someone else's list does not show it.
    assert str(report.uuid) not in signed_in(world.street).get("/insights/reports/").content.decode()


def test_a_requester_who_lost_the_unit_gets_a_failed_report_with_the_reason(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = reports.request_report(
            actor=world.secretary, kind="monthly", unit_ref=f"community:{world.xiningdao.pk}", month=MONTH
        )
    RoleAssignment.objects.filter(user=world.secretary, role=Role.SECRETARY).delete()
    from linli.accounts.scope import Scope

    Scope.for_user(world.secretary)  # the scope cache is cleared by the signal; read it fresh
    assert build_report.call(report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and report.error and not report.file


def test_the_api_asks_for_follows_and_downloads_a_report(
    world, api, history, django_capture_on_commit_callbacks
):
    client = api.as_(world.secretary)
    body = {"kind": "monthly", "unit": f"community:{world.xiningdao.pk}", "month": "2025-06"}
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/api/v1/insights/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="rep-1")
    assert resp.status_code == 202, resp.content
    again = client.post("/api/v1/insights/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="rep-1")
    assert again.status_code == 202 and again.json()["id"] == resp.json()["id"]
    assert ReportRequest.objects.count() == 1
    rid = resp.json()["id"]
    assert resp.json()["status"] == "queued" and resp.json()["file_url"] is None
    build_report.call(ReportRequest.objects.get().pk)
    detail = client.get(f"/api/v1/insights/reports/{rid}/").json()
    assert detail["status"] == "done" and detail["file_url"] == f"/api/v1/insights/reports/{rid}/file/"
    listed = client.get("/api/v1/insights/reports/").json()
    assert [r["id"] for r in listed["results"]] == [rid]
    file = client.get(detail["file_url"])
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"%PDF")
    bad = client.post("/api/v1/insights/reports/", {**body, "kind": "ranking"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "unit"
    outsider = api.as_(world.outsider_secretary)
    assert outsider.get(f"/api/v1/insights/reports/{rid}/").status_code == 404
    assert outsider.get(f"/api/v1/insights/reports/{rid}/file/").status_code == 404
    assert outsider.post("/api/v1/insights/reports/", body, format="json").status_code == 404
