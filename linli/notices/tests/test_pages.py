"""The notice pages: compose from a template with a preview and the recipient count, send, read the deliveries,
cancel; outsiders get 404."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.notices.models import Delivery, Notice
from linli.notices.tasks import run_notice

from .conftest import place

TEMPLATE_BODY = (
    "各位居民：因{reason}，{place}将于{start}至{end}暂停供水，请提前做好储水准备。给您带来不便，敬请谅解。"
)


def digest_in(page) -> str:
    return re.search(r'name="preview_digest" value="([0-9a-f]{64})"', page.content.decode()).group(1)


@pytest.fixture
def form(world):
    return {
        "template": "water_outage",
        "title": "停水通知",
        "body": TEMPLATE_BODY,
        "value_reason": "二次供水水箱清洗",
        "value_place": "吉利花园1号楼",
        "value_start": "9:30",
        "value_end": "16:00",
        "audience": f"building:{world.building_1.pk}",
        "tag": "",
        "channels": ["in_app", "sms"],
        "when": "now",
        "send_at": "",
    }


def test_compose_starts_from_a_template_with_a_field_per_placeholder(client, world):
    client.force_login(world.secretary)
    page = client.get("/notices/new/?template=water_outage")
    html = page.content.decode()
    assert page.status_code == 200
    assert TEMPLATE_BODY in html
    for name in ("reason", "place", "start", "end"):
        assert f'name="value_{name}"' in html
    assert (
        f'value="building:{world.building_1.pk}"' in html
        and f'value="community:{world.xiningdao.pk}"' in html
    )
    assert f'value="community:{world.yanyu.pk}"' not in html


def test_preview_shows_the_text_and_the_count_then_send_sends_it(client, world, registry, form, sms_gateway):
    client.force_login(world.secretary)
    page = client.post("/notices/new/", {**form, "action": "preview"})
    html = page.content.decode()
    assert page.status_code == 200 and not Notice.objects.exists()
    assert "各位居民：因二次供水水箱清洗，吉利花园1号楼将于9:30至16:00暂停供水" in html
    assert re.search(r'id="recipient-total">3<', html)  # 李秀兰 and 韩大爷 by SMS, the grid worker in-app
    assert 'id="send"' in html

    page = client.post("/notices/new/", {**form, "action": "send", "preview_digest": digest_in(page)})
    notice = Notice.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/notices/{notice.pk}/"
    assert notice.body.startswith("各位居民：因二次供水水箱清洗，吉利花园1号楼")
    assert (notice.place_kind, notice.building, notice.template.code) == (
        "building",
        world.building_1,
        "water_outage",
    )
    assert sorted(notice.channels) == ["in_app", "sms"]
    assert Delivery.objects.filter(notice=notice).count() == 3

    run_notice.call(notice.pk)
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "138****1111" in html and "13820001111" not in html and "13920002222" not in html
    assert "李**" in html and "李秀兰" not in html


def test_send_without_a_matching_preview_sends_nothing(client, world, registry, form):
    client.force_login(world.secretary)
    form["channels"] = ["in_app"]
    page = client.post("/notices/new/", {**form, "action": "preview"})
    changed = {**form, "value_end": "18:00", "action": "send", "preview_digest": digest_in(page)}
    page = client.post("/notices/new/", changed)
    assert page.status_code == 200 and not Notice.objects.exists()
    assert "18:00" in page.content.decode() and 'id="preview"' in page.content.decode()
    page = client.post("/notices/new/", {**changed, "preview_digest": digest_in(page)})
    assert page.status_code == 302 and "18:00" in Notice.objects.get().body


def test_missing_fields_are_named_on_the_form_and_nothing_is_stored(client, world, form):
    client.force_login(world.secretary)
    page = client.post("/notices/new/", {**form, "value_place": "", "channels": [], "action": "preview"})
    html = page.content.decode()
    assert page.status_code == 200 and not Notice.objects.exists()
    assert re.search(r'id="field-value_place">.*?class="error"', html, re.S)
    assert re.search(r'id="field-channels">.*?class="error"', html, re.S)
    assert 'id="send"' not in html
    page = client.post("/notices/new/", {**form, "when": "later", "send_at": "", "action": "preview"})
    assert re.search(r'id="field-send_at">.*?class="error"', page.content.decode(), re.S)


def test_a_service_refusal_shows_on_its_field(client, world, form):
    client.force_login(world.secretary)
    form["channels"] = ["in_app"]
    page = client.post("/notices/new/", {**form, "action": "preview"})
    # Between preview and send the grid worker left: nobody is left to tell.
    world.owner.is_active = False
    world.owner.save()
    page = client.post("/notices/new/", {**form, "action": "send", "preview_digest": digest_in(page)})
    assert page.status_code == 200 and not Notice.objects.exists()
    assert re.search(r'id="field-channels">.*?所选渠道无法送达该范围内的任何人', page.content.decode(), re.S)


def test_scheduling_and_cancelling_through_the_pages(client, world, form):
    client.force_login(world.secretary)
    at = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form.update(channels=["in_app"], when="later", send_at=at)
    page = client.post("/notices/new/", {**form, "action": "preview"})
    page = client.post("/notices/new/", {**form, "action": "send", "preview_digest": digest_in(page)})
    notice = Notice.objects.get()
    assert (
        notice.status == "scheduled" and timezone.localtime(notice.send_at).strftime("%Y-%m-%dT%H:%M") == at
    )
    assert 'id="cancel-form"' in client.get(f"/notices/{notice.pk}/").content.decode()
    page = client.post(f"/notices/{notice.pk}/cancel/")
    assert page.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "cancelled"
    assert 'id="cancel-form"' not in client.get(f"/notices/{notice.pk}/").content.decode()


def test_the_list_shows_the_notices_in_scope(client, world, send, django_assert_max_num_queries):
    for n in range(5):
        send(title=f"通知{n}", place=place(world.xiningdao))
    client.force_login(world.secretary)
    with django_assert_max_num_queries(10):
        page = client.get("/notices/")
    html = page.content.decode()
    assert all(f"通知{n}" in html for n in range(5))
    client.force_login(world.outsider)
    assert "通知0" not in client.get("/notices/").content.decode()


def test_outsiders_get_404_and_cannot_send_to_xiningdao(client, world, send, form):
    notice = send()
    client.force_login(world.outsider)
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    assert client.post(f"/notices/{notice.pk}/cancel/").status_code == 404
    form["channels"] = ["in_app"]
    page = client.post("/notices/new/", {**form, "action": "preview"})
    assert page.status_code == 200 and re.search(
        r'id="field-audience">.*?class="error"', page.content.decode(), re.S
    )
    assert Notice.objects.count() == 1
    client.force_login(world.dept)
    assert client.get("/notices/new/").status_code == 404


def test_a_recipient_reads_the_notice_but_not_its_deliveries(client, world, send):
    notice = send(place=place(world.xiningdao))  # the grid workers are told in-app; they may not send that
    client.force_login(world.colleague_worker)
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "停水通知" in html and 'id="deliveries"' not in html
    client.force_login(world.secretary)
    assert 'id="deliveries"' in client.get(f"/notices/{notice.pk}/").content.decode()


def test_pages_need_a_signed_in_user(client, world, send):
    notice = send()
    for url in ("/notices/", "/notices/new/", f"/notices/{notice.pk}/"):
        assert client.get(url).status_code == 302
