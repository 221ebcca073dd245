"""The reveal dialog in a real browser: the grid worker sees 李秀兰's phone masked, gives a reason, sees it in full.

Drives Debian's chromium (/usr/bin/chromium, installed by scripts/install-chromium.sh) through Playwright's sync API
on a phone-sized viewport, like cases/tests/test_browser_case_walk.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from linli.core.models import AuditEntry

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Linli-test-2026"
TIMEOUT_MS = 15_000
REASON = "电话回访独居老人"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _async_unsafe_allowed(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; let the test (and its teardown) use the ORM anyway."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_grid_worker_reveals_a_phone_with_a_reason_in_the_browser(world, registry, live_server):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; run scripts/install-chromium.sh (make test does) to install Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    host = urlsplit(base).netloc
    page_errors: list[str] = []
    li = registry.li

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if urlsplit(route.request.url).netloc == host else route.abort()
                ),
            )
            page = context.new_page()
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            page.goto(f"{base}/accounts/login/")
            form = page.locator("main form[method=post]")
            form.locator("input[name=username]").fill(world.owner.username)
            form.locator("input[name=password]").fill(PASSWORD)
            form.locator("button[type=submit]").click()
            expect(page).to_have_url(f"{base}/cases/")

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
            assert "13820001111" not in page.content()
            context.close()
        finally:
            browser.close()

    assert page_errors == [], f"JavaScript errors on the pages: {page_errors}"
    entry = AuditEntry.objects.get(event="pi.reveal")
    assert entry.actor_id == world.owner.pk
    assert entry.object_id == str(li.pk) and entry.reason == REASON and entry.outcome == "ok"
    assert entry.detail["field"] == "phone"
