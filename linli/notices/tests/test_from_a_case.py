"""A case can send its notice ("楼上暂停用水" for the blocked drain): the case page links to the compose page
filled from the case, the notice links back, and the case's timeline says so."""

import re

from linli.cases.choices import Action
from linli.cases.models import CaseEvent
from linli.notices.models import Notice

from .conftest import place


def test_the_case_page_offers_staff_to_notify_residents(client, world, new_case):
    case = new_case(building=world.building_1)
    client.force_login(world.secretary)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/notices/new/?case={case.pk}"' in html


def test_compose_from_a_case_addresses_its_building_and_fills_the_place(client, world, new_case):
    case = new_case(building=world.building_1)
    client.force_login(world.owner)
    html = client.get(f"/notices/new/?case={case.pk}&template=water_pause").content.decode()
    assert re.search(rf'<option value="building:{world.building_1.pk}" selected>', html)
    assert 'name="value_place" value="吉利花园1号楼"' in html
    assert f'name="case" value="{case.pk}"' in html and case.number in html


def test_compose_from_a_case_without_a_building_addresses_its_grid(client, world, new_case):
    case = new_case()
    assert case.building_id is None and case.grid_id == world.grid_a.pk
    client.force_login(world.owner)
    html = client.get(f"/notices/new/?case={case.pk}").content.decode()
    assert re.search(rf'<option value="grid:{world.grid_a.pk}" selected>', html)


def test_a_case_of_another_community_cannot_be_used(client, world, new_case):
    case = new_case()
    client.force_login(world.outsider)
    assert client.get(f"/notices/new/?case={case.pk}").status_code == 404


def test_the_notice_links_the_case_and_lands_on_its_timeline(client, world, new_case, send):
    case = new_case(building=world.building_1)
    notice = send(
        actor=world.owner,
        case=case,
        title="请暂停用水",
        body="吉利花园1号楼下水管道堵塞，请楼上住户暂停用水。",
    )
    assert notice.case == case
    note = CaseEvent.objects.filter(case=case, action=Action.NOTE).get()
    assert note.actor == world.owner
    assert "请暂停用水" in note.note and "吉利花园1号楼" in note.note
    client.force_login(world.owner)
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert f'href="/cases/{case.pk}/"' in html
    assert list(Notice.objects.filter(case=case)) == [notice]


def test_a_closed_case_keeps_its_timeline_but_still_gets_the_link(world, new_case, send):
    from linli.cases.models import Case

    case = new_case(building=world.building_1)
    Case.objects.filter(pk=case.pk).update(status="closed")
    case.refresh_from_db()
    before = CaseEvent.objects.filter(case=case).count()
    notice = send(place=place(world.building_1), case=case)
    assert notice.case == case
    assert CaseEvent.objects.filter(case=case).count() == before
