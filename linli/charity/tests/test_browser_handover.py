"""The hand-over screen in a real phone browser: an unsigned hand-over is stopped, a drawn signature is sent and
stored with its strokes on white, and the household leaves the waiting list."""

from __future__ import annotations

import pytest

from linli.charity.models import HandOver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_records_a_signed_hand_over_on_the_phone(world, registry, charity, plan, phone_browser):
    from PIL import Image
    from playwright.sync_api import expect

    browser, page, base = phone_browser, phone_browser.page, phone_browser.base
    browser.sign_in(world.owner)
    page.goto(f"{base}/charity/plans/{plan.pk}/handover/")
    page.locator(f'a[href="/charity/plans/{plan.pk}/handover/{registry.home_a2.pk}/"]').click()
    expect(page.locator("#signature-pad")).to_be_visible()
    expect(page.locator("input[name=received_by]")).to_have_value("韩大爷")

    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.locator("#handover-form button[type=submit]").click()
    expect(page.locator("#signature-pad")).to_be_visible()
    assert len(alerts) == 1 and not HandOver.objects.exists()

    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (15 if step % 2 else -15))
    page.mouse.up()
    page.locator("#handover-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/charity/plans/{plan.pk}/handover/")
    expect(page.locator("#done")).to_contain_text("✔")

    handover = HandOver.objects.get()
    assert handover.household == registry.home_a2 and handover.proof_kind == "signature"
    with Image.open(handover.proof.file) as img:
        low, high = img.convert("L").getextrema()
    assert low < 80 and high > 200  # dark strokes on a white ground
    assert browser.errors == [], f"JavaScript errors on the pages: {browser.errors}"
