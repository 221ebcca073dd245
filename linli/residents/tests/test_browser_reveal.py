"""The reveal dialog in a real browser: the grid worker sees 李秀兰's phone masked, gives a reason, sees it in full.

Drives Debian's chromium (/usr/bin/chromium, installed by scripts/install-chromium.sh) through Playwright's sync API
on a phone-sized viewport, like cases/tests/test_browser_case_walk.py.
"""

from __future__ import annotations

import pytest

from linli.core.models import AuditEntry

REASON = "电话回访独居老人"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_grid_worker_reveals_a_phone_with_a_reason_in_the_browser(world, registry, phone_browser):
    from playwright.sync_api import expect

    browser, page, base = phone_browser, phone_browser.page, phone_browser.base
    li = registry.li
    browser.sign_in(world.owner)

    page.locator("#menu-grid summary").click()
    page.locator("#nav-residents").click()
    expect(page).to_have_url(f"{base}/residents/")
    page.locator(f'a.who[href="/residents/{li.pk}/"]').click()
    expect(page).to_have_url(f"{base}/residents/{li.pk}/")
    expect(page.locator("#resident-name")).to_contain_text("李秀兰")
    expect(page.locator("#pi-phone")).to_have_text("138****1111")
    assert "13820001111" not in page.content()

    page.locator('button[data-dialog="reveal-phone"]').click()
    dialog = page.locator("dialog#reveal-phone")
    expect(dialog).to_be_visible()
    dialog.locator("textarea[name=reason]").fill(REASON)
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".pi-full")).to_have_text("13820001111")

    # Closing the dialog forgets the full value.
    dialog.locator("button[data-close]").click()
    expect(dialog).to_be_hidden()
    # the dialog's close event runs in a later task: wait for it to forget the value
    expect(dialog.locator(".pi-full")).to_have_count(0)
    assert "13820001111" not in page.content()

    assert browser.errors == [], f"JavaScript errors on the pages: {browser.errors}"
    entry = AuditEntry.objects.get(event="pi.reveal")
    assert entry.actor_id == world.owner.pk
    assert entry.object_id == str(li.pk) and entry.reason == REASON and entry.outcome == "ok"
    assert entry.detail["field"] == "phone"
