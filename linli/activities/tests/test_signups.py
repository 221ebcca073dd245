"""Residents' sign-ups: capacity (also under concurrent sign-ups on PostgreSQL), the waiting list, target groups,
the public H5 page (rate-limited, phone encrypted and masked) and attendance."""

import threading
from datetime import date, timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from linli.activities import services
from linli.activities.choices import SignupStatus, TargetGroup
from linli.activities.models import ActivityMessage, ResidentSignup
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.residents.models import Resident, Tag

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")


def _phone(i: int) -> str:
    return f"1391000{i:04d}"


def test_capacity_fills_then_the_waiting_list_moves_up(world, make_activity, registry):
    activity = make_activity(capacity=2)
    occ = activity.occurrences.get()
    a = services.signup_for_resident(actor=world.owner, occurrence=occ, resident=registry.li)
    b = services.signup_public(occurrence=occ, name="刘阿姨", phone="13812345678")
    c = services.signup_public(occurrence=occ, name="马大爷", phone="13812340000")
    assert [a.status, b.status, c.status] == ["confirmed", "confirmed", "waitlisted"]
    with translation.override("en"):
        services.signup_cancel(actor=world.secretary, signup=a)
    assert ResidentSignup.objects.get(pk=c.pk).status == SignupStatus.CONFIRMED
    (told,) = ActivityMessage.objects.all()  # the one who moved up hears of it
    assert told.phone == "13812340000" and "signed up" in told.text
    assert occ.signups.filter(status="confirmed").count() == 2


def test_without_a_waiting_list_a_full_occurrence_refuses(world, make_activity, registry):
    occ = make_activity(capacity=1, waitlist=False).occurrences.get()
    services.signup_public(occurrence=occ, name="刘阿姨", phone="13812345678")
    with pytest.raises(Conflict) as exc:
        services.signup_for_resident(actor=world.owner, occurrence=occ, resident=registry.li)
    assert exc.value.code == "full"


def test_the_same_person_signs_up_once(world, make_activity, registry):
    occ = make_activity().occurrences.get()
    services.signup_for_resident(actor=world.owner, occurrence=occ, resident=registry.li)
    with pytest.raises(Conflict):
        services.signup_for_resident(actor=world.secretary, occurrence=occ, resident=registry.li)
    services.signup_public(occurrence=occ, name="刘阿姨", phone="138 1234 5678")
    with pytest.raises(Conflict):
        services.signup_public(occurrence=occ, name="刘阿姨", phone="+8613812345678")


def test_staff_sign_up_only_residents_of_the_community_they_serve(world, make_activity, registry):
    occ = make_activity().occurrences.get()
    with pytest.raises(NotAllowed):
        services.signup_for_resident(actor=world.outsider, occurrence=occ, resident=registry.li)
    with pytest.raises(InvalidInput):
        services.signup_for_resident(
            actor=world.secretary, occurrence=occ, resident=registry.outsider_resident
        )


def test_target_groups_are_checked_for_staff_sign_ups(world, make_activity, registry):
    elderly = make_activity(target_group=TargetGroup.ELDERLY).occurrences.get()
    services.signup_for_resident(actor=world.secretary, occurrence=elderly, resident=registry.li)  # born 1941
    with pytest.raises(InvalidInput):
        services.signup_for_resident(
            actor=world.secretary, occurrence=elderly, resident=registry.zhou
        )  # 1975
    children = make_activity(target_group=TargetGroup.CHILDREN).occurrences.get()
    kid = Resident.objects.create(
        household=registry.home_b,
        community=world.xiningdao,
        name="周小宝",
        birth_date=timezone.localdate() - timedelta(days=365 * 8),
        relationship="child",
    )
    services.signup_for_resident(actor=world.secretary, occurrence=children, resident=kid)
    with pytest.raises(InvalidInput):
        services.signup_for_resident(actor=world.secretary, occurrence=children, resident=registry.zhou)
    tagged = make_activity(
        target_group=TargetGroup.TAG, target_tag=Tag.objects.get(code="dibao")
    ).occurrences.get()
    services.signup_for_resident(
        actor=world.secretary, occurrence=tagged, resident=registry.han
    )  # household tag
    with pytest.raises(InvalidInput):
        services.signup_for_resident(actor=world.secretary, occurrence=tagged, resident=registry.li)


def test_no_sign_up_for_a_skipped_or_finished_occurrence(world, make_activity):
    occ = make_activity().occurrences.get()
    services.occurrence_skip(actor=world.secretary, occurrence=occ, reason="下雨")
    with pytest.raises(Exception) as exc:
        services.signup_public(occurrence=occ, name="刘阿姨", phone="13812345678")
    assert exc.value.status == 422
    past = make_activity(starts_at=timezone.now() - timedelta(hours=3)).occurrences.get()
    with pytest.raises(Exception) as exc:
        services.signup_public(occurrence=past, name="刘阿姨", phone="13812345678")
    assert exc.value.status == 422


def test_the_h5_page_lists_and_signs_up_with_the_phone_encrypted_and_masked(world, make_activity, en_client):
    client = en_client
    activity = make_activity(title="爱尔眼科义诊", capacity=30)
    hidden = make_activity(title="内部培训", is_public=False)
    occ = activity.occurrences.get()
    with translation.override("en"):
        page = client.get(f"/activities/p/{world.xiningdao.code}/")
        assert page.status_code == 200
        assert "爱尔眼科义诊" in page.content.decode() and "内部培训" not in page.content.decode()
        assert "0 of 30 places taken" in page.content.decode()
        bad = client.post(f"/activities/p/XND/{occ.pk}/", {"name": "刘阿姨", "phone": "12"})
        assert bad.status_code == 200 and "刘阿姨" in bad.content.decode()  # typed values kept
        assert not ResidentSignup.objects.exists()
        done = client.post(f"/activities/p/XND/{occ.pk}/", {"name": "刘阿姨", "phone": "13812345678"})
    body = done.content.decode()
    assert "138****5678" in body and "13812345678" not in body
    signup = ResidentSignup.objects.get()
    assert signup.phone == "13812345678" and signup.source == "public"
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM activities_residentsignup")
        stored = cur.fetchone()[0]
    assert "13812345678" not in str(stored)
    assert client.get(f"/activities/p/XND/{hidden.occurrences.get().pk}/").status_code == 404
    assert client.get("/activities/p/NOPE/").status_code == 404


def test_the_h5_sign_up_is_rate_limited(world, make_activity, client):
    occ = make_activity().occurrences.get()
    codes = [
        client.post(f"/activities/p/XND/{occ.pk}/", {"name": "测试", "phone": _phone(i)}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_attendance_is_taken_by_staff_once_it_begins(world, make_activity, registry):
    later = make_activity().occurrences.get()
    services.signup_for_resident(actor=world.owner, occurrence=later, resident=registry.li)
    with pytest.raises(Exception) as exc:
        services.attendance_take(actor=world.owner, occurrence=later, present=[])
    assert exc.value.status == 422
    occ = make_activity(starts_at=timezone.now() - timedelta(minutes=5)).occurrences.get()
    a = services.signup_for_resident(actor=world.owner, occurrence=occ, resident=registry.li)
    b = services.signup_public(occurrence=occ, name="刘阿姨", phone="13812345678")
    assert services.attendance_take(actor=world.owner, occurrence=occ, present=[a.pk]) == 1
    assert ResidentSignup.objects.get(pk=a.pk).attendance == "present"
    assert ResidentSignup.objects.get(pk=b.pk).attendance == "absent"
    with pytest.raises(NotAllowed):
        services.attendance_take(actor=world.outsider, occurrence=occ, present=[])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_the_capacity(world, make_activity):
    occ = make_activity(capacity=5, waitlist=False).occurrences.get()
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def sign(i: int) -> None:
        try:
            barrier.wait()
            services.signup_public(occurrence=occ, name=f"居民{i}", phone=_phone(i))
            outcomes.append("ok")
        except Conflict:
            outcomes.append("full")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["full"] * 7 + ["ok"] * 5
    assert ResidentSignup.objects.filter(occurrence=occ, status="confirmed").count() == 5


def test_a_birthday_boundary_counts_as_elderly(world, make_activity, registry):
    occ = make_activity(target_group=TargetGroup.ELDERLY).occurrences.get()
    today = timezone.localdate()
    try:
        birth = today.replace(year=today.year - 60)
    except ValueError:
        birth = date(today.year - 60, 2, 28)
    person = Resident.objects.create(
        household=registry.home_b,
        community=world.xiningdao,
        name="周大妈",
        birth_date=birth,
        relationship="spouse",
    )
    assert (
        services.signup_for_resident(actor=world.secretary, occurrence=occ, resident=person).status
        == "confirmed"
    )
