"""A resident on a phone in a real browser: scan the 吉利花园 1号楼 poster, report with a photo, track by the
code, and rate the answer once the grid worker has solved it (Debian's chromium through Playwright)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from linli.cases import services
from linli.cases.choices import Channel, Satisfaction, Status
from linli.cases.models import Case

from .conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = Path(settings.REPO_DIR) / "var" / "screenshots" / "public-report.png"


def test_report_track_and_rate_on_a_phone(world, phone_browser, tmp_path):
    from playwright.sync_api import expect

    page, base = phone_browser.page, phone_browser.base
    photo = tmp_path / "drain.jpg"
    photo.write_bytes(jpeg(gps=(39.1112, 117.2012)).read())

    # The poster's QR code opens the report page with the building filled in.
    page.goto(f"{base}/r/?b={world.building_1.pk}")
    expect(page.locator("#emergency")).to_contain_text("119")
    expect(page.locator("#place-chosen")).to_contain_text("吉利花园 1号楼")
    # Large type for elderly reporters, and nothing wider than the phone.
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator("details.group summary", has_text="环境卫生").click()
    page.locator("label.tile", has_text="下水道堵塞").click()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT.with_name("public-report-form.png")), full_page=True)
    page.locator("textarea[name=description]").fill("吉利花园1号楼下水道堵塞，污水漫到楼道口")
    page.locator("input[name=photos]").set_input_files(str(photo))
    page.locator("input[name=reporter_phone]").fill("13812345678")
    page.locator("#submit-report").click()

    expect(page.locator("#report-sent")).to_be_visible()
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    case = Case.objects.get(tracking_code=code)
    assert case.channel == Channel.RESIDENT_WEB and case.assignee == world.owner
    assert case.attachments.count() == 1

    # The grid worker solves it; the resident comes back with the code and rates it.
    services.case_respond(case=case, actor=world.owner)
    services.case_resolve(case=case, actor=world.owner, result="已疏通下水道，楼道已冲洗")
    page.goto(f"{base}/r/t/")
    page.locator("input[name=code]").fill(code.lower())
    page.locator("button[type=submit].primary").click()
    expect(page.locator("#timeline")).to_contain_text("已疏通下水道")
    expect(page.locator("#timeline")).not_to_contain_text(str(world.owner))
    form = page.locator("#rate-form")
    form.locator("label.tile", has_text="已解决").click()
    form.locator("label.tile", has_text="基本满意").click()
    form.locator("#send-rating").click()
    expect(page.locator("#rated")).to_be_visible()
    expect(page.locator("#my-rating")).to_be_visible()
    expect(page.locator("#public-status")).to_have_text("已办结，感谢您的评价")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.satisfaction == Satisfaction.BASICALLY_SATISFIED
    assert case.feedback_solved is True
    assert phone_browser.errors == []
