"""Staff pages: registration keeps typed values on an error, team and volunteer pages, drafts to confirm,
corrections, and 404 for outsiders; the volunteer's own phone pages."""

from __future__ import annotations

from datetime import date

import pytest

from linli.volunteers import services
from linli.volunteers.models import ServiceRecord, Team, Volunteer

from .conftest import hours_ago, id_number


def test_register_page_keeps_what_was_typed_on_an_error(vol, world, signed_in):
    client = signed_in(world.owner)
    assert client.get("/volunteers/new/").status_code == 200
    good = id_number("120101", date(1958, 3, 3), 27, female=False)
    form = {
        "community": world.xiningdao.pk,
        "name": "冯师傅",
        "id_number": good[:17] + ("0" if good[17] != "0" else "1"),
        "phone": "13612340000",
        "kind": "outsider",
        "work_unit": "",
        "skills": ["appliance-repair"],
    }
    page = client.post("/volunteers/new/", form)
    html = page.content.decode()
    assert page.status_code == 200 and "check digit is wrong" in html
    assert 'value="冯师傅"' in html and 'value="13612340000"' in html and "checked" in html
    form["id_number"] = good
    done = client.post("/volunteers/new/", form)
    volunteer = Volunteer.objects.get(name="冯师傅")
    assert done.status_code == 302 and done["Location"] == f"/volunteers/{volunteer.pk}/"
    shown = client.get(done["Location"]).content.decode()
    assert good not in shown and good[:6] + "********" + good[-4:] in shown and "136****0000" in shown


def test_reveal_on_the_page_shows_the_full_number_once_and_is_audited(vol, world, signed_in):
    from linli.core.models import AuditEntry

    client = signed_in(world.secretary)
    page = client.post(
        f"/volunteers/{vol.chen.pk}/", {"action": "reveal", "field": "phone", "reason": "联系"}
    )
    assert "13900139002" in page.content.decode()
    assert AuditEntry.objects.filter(event="volunteer_reveal").count() == 1
    assert "13900139002" not in client.get(f"/volunteers/{vol.chen.pk}/").content.decode()


def test_team_pages_members_and_stats(vol, world, signed_in):
    client = signed_in(world.secretary)
    listing = client.get("/volunteers/teams/").content.decode()
    assert "红管家服务队" in listing and "background:#c92a2a" in listing
    made = client.post(
        "/volunteers/teams/new/",
        {
            "community": world.xiningdao.pk,
            "name": "夕阳维修队",
            "kind": "service",
            "colour": "#2f9e44",
            "focus": "家电维修",
        },
    )
    team = Team.objects.get(name="夕阳维修队")
    assert made.status_code == 302
    url = f"/volunteers/teams/{team.pk}/"
    client.post(url, {"action": "add", "volunteer": vol.chen.pk, "role": "captain"})
    page = client.get(url).content.decode()
    assert "陈国华" in page and 'id="ages"' in page and 'id="months"' in page
    client.post(url, {"action": "remove", "volunteer": vol.chen.pk})
    assert "陈国华" not in client.get(url).content.decode().split('id="members"')[1].split("</ul>")[0]
    stale = client.post(
        url,
        {
            "action": "edit",
            "version": team.version - 1 or 99,
            "name": "夕阳红维修队",
            "kind": "service",
            "colour": "#2f9e44",
            "focus": "家电维修",
        },
    )
    assert stale.status_code == 200 and "Someone else changed this record" in stale.content.decode()
    assert 'value="夕阳红维修队"' in stale.content.decode()


def test_record_service_then_confirm_the_draft_and_correct_it(vol, world, signed_in):
    worker = signed_in(world.owner)
    start, end = hours_ago(2, 2)
    fmt = "%Y-%m-%dT%H:%M"
    page = worker.post(
        "/volunteers/records/new/",
        {
            "volunteer": vol.li.pk,
            "team": vol.team.pk,
            "content": "上门理发",
            "started_at": start.strftime(fmt),
            "ended_at": end.strftime(fmt),
            "hours": "3",
        },
    )
    assert page.status_code == 200 and "cannot be more than the time" in page.content.decode()
    assert 'value="上门理发"' in page.content.decode()
    worker.post(
        "/volunteers/records/new/",
        {
            "volunteer": vol.li.pk,
            "team": vol.team.pk,
            "content": "上门理发",
            "started_at": start.strftime(fmt),
            "ended_at": end.strftime(fmt),
            "hours": "1.5",
        },
    )
    record = ServiceRecord.objects.get()
    assert record.status == "draft"
    drafts = signed_in(world.secretary).get("/volunteers/records/drafts/").content.decode()
    assert "上门理发" in drafts
    assert (
        "上门理发"
        not in signed_in(world.outsider_secretary).get("/volunteers/records/drafts/").content.decode()
    )
    signed_in(world.secretary).post(f"/volunteers/records/{record.pk}/confirm/")
    record.refresh_from_db()
    assert record.status == "confirmed"
    fix = worker.post(f"/volunteers/records/{record.pk}/correct/", {"hours_delta": "-0.5", "reason": "核对"})
    assert fix.status_code == 302
    assert ServiceRecord.objects.filter(corrects=record, hours=-0.5).exists()


def test_certificate_page_download(vol, world, signed_in):
    answer = signed_in(world.owner).get(f"/volunteers/{vol.li.pk}/certificate.pdf", {"start": "2026-01-01"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("who", ["outsider", "outsider_secretary", "dept", "reporter"])
def test_outsiders_get_404_on_the_staff_pages(vol, world, signed_in, who):
    start, end = hours_ago(3)
    record = services.service_record_create(
        volunteer=vol.li, content="义剪", started_at=start, ended_at=end, hours="1", actor=world.owner
    )
    client = signed_in(getattr(world, who))
    for url in (
        f"/volunteers/{vol.li.pk}/",
        f"/volunteers/{vol.li.pk}/certificate.pdf",
        f"/volunteers/teams/{vol.team.pk}/",
        f"/volunteers/records/{record.pk}/correct/",
    ):
        assert client.get(url).status_code == 404, (who, url)
    assert client.post(f"/volunteers/records/{record.pk}/confirm/").status_code == 404
    assert (
        client.post(
            f"/volunteers/teams/{vol.team.pk}/", {"action": "remove", "volunteer": vol.li.pk}
        ).status_code
        == 404
    )
    record.refresh_from_db()
    assert record.status == "draft"


def test_the_street_officer_reads_but_cannot_change(vol, world, signed_in):
    client = signed_in(world.street)
    assert client.get(f"/volunteers/{vol.li.pk}/").status_code == 200
    assert (
        client.post(
            f"/volunteers/{vol.li.pk}/", {"action": "reveal", "field": "phone", "reason": "看看"}
        ).status_code
        == 404
    )


def test_my_pages_show_my_hours_star_and_records(vol, world, volunteer_client):
    start, end = hours_ago(5, 3)
    services.service_record_create(
        volunteer=vol.li,
        content="社区义剪",
        started_at=start,
        ended_at=end,
        hours="3",
        actor=world.owner,
        team=vol.team,
        confirm=True,
    )
    services.service_record_create(
        volunteer=vol.chen,
        content="别人的服务",
        started_at=start,
        ended_at=end,
        hours="3",
        actor=world.owner,
        confirm=True,
    )
    page = volunteer_client.get("/volunteers/me/").content.decode()
    assert "社区义剪" in page and "别人的服务" not in page and "3.00" in page
    assert "No star yet" in page
    pdf = volunteer_client.get("/volunteers/me/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_captain_confirms_the_teams_drafts_on_the_phone(vol, world, sms_gateway):
    from .conftest import browser, sms_code

    start, end = hours_ago(4, 2)
    theirs = services.service_record_create(
        volunteer=vol.li,
        content="上门理发",
        started_at=start,
        ended_at=end,
        hours="2",
        actor=vol.li,
        team=vol.team,
    )
    own = services.service_record_create(
        volunteer=vol.captain,
        content="自己的",
        started_at=start,
        ended_at=end,
        hours="2",
        actor=vol.captain,
        team=vol.team,
    )
    phone = browser()
    phone.post("/volunteers/me/login/", {"phone": vol.captain.phone})
    phone.post("/volunteers/me/login/code/", {"code": sms_code(sms_gateway.requests[-1].json())})
    page = phone.get("/volunteers/me/confirm/").content.decode()
    assert "上门理发" in page and "自己的" not in page
    assert phone.post("/volunteers/me/confirm/", {"record": own.pk}).status_code == 404
    assert phone.post("/volunteers/me/confirm/", {"record": theirs.pk}).status_code == 302
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert theirs.status == "confirmed" and theirs.confirmed_by_volunteer == vol.captain
    assert own.status == "draft"
