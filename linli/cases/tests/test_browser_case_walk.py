"""The staff pages in a real browser: one case walked from intake to 销号 by the secretary and the grid worker.

Drives Debian's chromium (/usr/bin/chromium, installed by scripts/install-chromium.sh) through Playwright's sync API
on a phone-sized viewport, and leaves a screenshot of the closed case in var/screenshots/case-walk.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from linli.cases.choices import Status
from linli.cases.models import Case, CaseEvent

SCREENSHOT = Path(settings.REPO_DIR) / "var" / "screenshots" / "case-walk.png"
LOGOUT_BUTTON = 'header.top form[action="/accounts/logout/"] button[type=submit]'

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _label(status: Status) -> str:
    """The badge text as the server renders it for a browser that asks for Chinese (the default UI language)."""
    with translation.override("zh-hans"):
        return str(status.label)


def test_secretary_and_grid_worker_walk_a_case_to_close_in_the_browser(world, phone_browser):
    from playwright.sync_api import expect

    browser, page, base = phone_browser, phone_browser.page, phone_browser.base
    status = page.locator("#case-status")

    def sign_in(user):
        browser.sign_in(user)
        expect(page.locator("header.top .who")).to_have_text(str(user))

    def sign_out():
        page.locator(LOGOUT_BUTTON).click()
        expect(page).to_have_url(re.compile(re.escape(f"{base}/accounts/login/")))
        expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)

    # 受理: the secretary takes the case in on the intake form.
    sign_in(world.secretary)
    page.goto(f"{base}/cases/new/")
    intake = page.locator("form#intake-form")
    intake.locator("select#id_channel").select_option("phone")
    intake.locator("input[name=urgency][value=normal]").check()
    intake.locator("select#id_category").select_option(str(world.drain.pk))
    intake.locator("input#id_title").fill("吉利花园1号楼下水道堵塞")
    intake.locator("textarea#id_description").fill("污水漫到楼道口")
    intake.locator("select#id_building").select_option(str(world.building_1.pk))
    intake.locator("input#id_reporter_name").fill("刘阿姨")
    intake.locator("input#id_reporter_phone").fill("13812345678")
    intake.locator("button[type=submit].primary").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/cases/\d+/$"))
    case_id = int(re.search(r"/cases/(\d+)/$", page.url).group(1))
    case_url = f"{base}/cases/{case_id}/"
    expect(status).to_have_text(_label(Status.ASSIGNED))
    expect(status).to_have_class(re.compile(r"\bs-assigned\b"))
    expect(page.locator("#case-assignee")).to_have_text(str(world.owner))
    sign_out()

    # The grid worker responds and resolves.
    sign_in(world.owner)
    page.goto(case_url)
    expect(status).to_have_text(_label(Status.ASSIGNED))
    actions = page.locator("section#actions")
    actions.locator("button[name=do][value=respond]").click()
    expect(status).to_have_text(_label(Status.IN_PROGRESS))
    actions.locator("textarea[name=result]").fill("已疏通下水道，楼道已冲洗")
    actions.locator("button[name=do][value=resolve]").click()
    expect(status).to_have_text(_label(Status.RESOLVED))
    sign_out()

    # 回访 and 销号: the secretary records the resident's verdict and closes the case.
    sign_in(world.secretary)
    page.goto(case_url)
    expect(status).to_have_text(_label(Status.RESOLVED))
    feedback = page.locator("section#actions form.feedback")
    feedback.locator("input[type=radio][name=solved][value='1']").check()
    feedback.locator("input[type=radio][name=satisfaction][value=satisfied]").check()
    feedback.locator("button[name=do][value=feedback]").click()
    expect(page.locator("main .msg.success")).to_have_count(1)
    expect(status).to_have_text(_label(Status.RESOLVED))
    page.locator("section#actions button[name=do][value=close]").click()
    expect(status).to_have_text(_label(Status.CLOSED))
    expect(status).to_have_class(re.compile(r"\bs-closed\b"))
    # A closed case offers no more closing, only reopening (MANAGERS may reopen a closed case).
    expect(page.locator("section#actions button[name=do][value=close]")).to_have_count(0)
    expect(page.locator("section#actions input[name=action][value=reopen]")).to_have_count(1)
    expect(page.locator("ol.timeline > li")).to_have_count(5)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    assert browser.errors == [], f"JavaScript errors on the pages: {browser.errors}"
    case = Case.objects.get(pk=case_id)
    assert case.status == Status.CLOSED
    assert case.assignee_id == world.owner.pk
    assert case.grid_id == world.grid_a.pk
    assert case.result == "已疏通下水道，楼道已冲洗"
    assert case.feedback_solved is True
    assert case.satisfaction == "satisfied"
    actions = list(
        CaseEvent.objects.filter(case=case).order_by("created_at", "id").values_list("action", flat=True)
    )
    assert actions == ["create", "respond", "resolve", "feedback", "close"]
