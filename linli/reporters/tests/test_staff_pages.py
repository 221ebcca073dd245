"""Staff pages: the community's reporters with tally and balance, masked phones, redeem, deactivate, flags."""

import pytest
from django.utils import timezone

from linli.cases import services as case_services
from linli.core.models import AuditEntry
from linli.reporters import services
from linli.reporters.choices import FlagKind
from linli.reporters.models import Flag, PointsEntry, Reporter
from linli.reporters.selectors import balance_of

from .conftest import browser

pytestmark = pytest.mark.django_db


@pytest.fixture
def yanyu_courier(world):
    from linli.accounts.models import User

    user = User.objects.create_user(username="yy-courier")
    return services.reporter_enrol(
        user=user, community=world.yanyu, name="燕宇快递员", phone="13633334444", occupation="courier"
    )


@pytest.fixture
def earned(world, rider, new_case):
    """The rider with one accepted report: 10 points."""
    case = new_case(actor=world.reporter, reporter_name="", reporter_phone="")
    return case_services.case_respond(case=case, actor=world.owner)


def test_the_secretary_sees_their_communitys_reporters_with_tally_balance_and_masked_phone(
    world, rider, yanyu_courier, earned, signed_in
):
    page = signed_in(world.secretary).get("/reporter/staff/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    assert "外卖小哥" in html and "燕宇快递员" not in html
    assert "139****6688" in html and "13920016688" not in html
    assert "Confirmed reports: 1 · points: 10" in html


def test_the_list_costs_a_fixed_number_of_queries(
    world, rider, earned, signed_in, django_assert_max_num_queries
):
    from linli.accounts.models import User

    for n in range(5):
        user = User.objects.create_user(username=f"rider{n}")
        services.reporter_enrol(
            user=user, community=world.xiningdao, name=f"骑手{n}", phone=f"1351234{n:04d}"
        )
    client = signed_in(world.secretary)
    with django_assert_max_num_queries(12):
        assert client.get("/reporter/staff/").status_code == 200


def test_outsiders_get_404_and_reporters_too(world, rider, signed_in):
    for persona in ("outsider_secretary", "outsider", "dept", "reporter"):
        client = signed_in(getattr(world, persona))
        assert client.get(f"/reporter/staff/{rider.pk}/").status_code == 404, persona
        assert (
            client.post(f"/reporter/staff/{rider.pk}/redeem/", {"points": 1, "note": "x"}).status_code == 404
        )
    for persona in ("dept", "reporter"):
        assert signed_in(getattr(world, persona)).get("/reporter/staff/").status_code == 404
    assert signed_in(world.outsider_secretary).get("/reporter/staff/").content.decode().count("外卖小哥") == 0


def test_the_street_officer_may_look_but_not_manage(world, rider, signed_in):
    client = signed_in(world.street)
    assert client.get(f"/reporter/staff/{rider.pk}/").status_code == 200
    assert client.post(f"/reporter/staff/{rider.pk}/active/", {"active": "0"}).status_code == 403
    rider.refresh_from_db()
    assert rider.is_active


def test_the_detail_page_shows_the_ledger_and_redeems(world, rider, earned, signed_in):
    client = signed_in(world.secretary)
    page = client.get(f"/reporter/staff/{rider.pk}/").content.decode()
    assert "139****6688" in page and "13920016688" not in page and earned.number in page
    client.post(f"/reporter/staff/{rider.pk}/redeem/", {"points": "4", "note": "洗衣液一瓶"})
    assert balance_of(rider) == 6
    refused = client.post(f"/reporter/staff/{rider.pk}/redeem/", {"points": "7", "note": "大米"}, follow=True)
    assert "Only 6 points are available." in refused.content.decode() and balance_of(rider) == 6
    assert "洗衣液一瓶" in client.get(f"/reporter/staff/{rider.pk}/").content.decode()
    assert AuditEntry.objects.filter(event="reporter_redeem", object_id=str(rider.pk)).count() == 1


def test_deactivating_signs_the_reporter_out_and_reactivating_lets_them_back(
    world, rider, rider_client, signed_in
):
    assert rider_client.get("/reporter/").status_code == 200
    staff = signed_in(world.secretary)
    staff.post(f"/reporter/staff/{rider.pk}/active/", {"active": "0"})
    rider.refresh_from_db()
    assert not rider.is_active and not rider.user.is_active
    assert rider_client.get("/reporter/").status_code == 302  # the session no longer signs anyone in
    staff.post(f"/reporter/staff/{rider.pk}/active/", {"active": "1"})
    rider.refresh_from_db()
    assert rider.is_active and rider.user.is_active


def test_flags_are_listed_for_review_and_cleared(world, rider, yanyu_courier, new_case, signed_in):
    case = new_case(actor=world.reporter, reporter_name="", reporter_phone="")
    mine = Flag.objects.create(
        reporter=rider,
        case=case,
        kind=FlagKind.FAR_FROM_PHOTO,
        detail="1200 m",
        data={"metres": 1200},
        created_at=timezone.now(),
    )
    Flag.objects.create(reporter=yanyu_courier, kind=FlagKind.BURST, detail="x", created_at=timezone.now())
    client = signed_in(world.secretary)
    page = client.get("/reporter/staff/flags/").content.decode()
    assert "The photo was taken 1200 m from the place given." in page and "燕宇快递员" not in page
    assert (
        signed_in(world.outsider_secretary).post(f"/reporter/staff/flags/{mine.pk}/clear/").status_code == 404
    )
    case_services.case_respond(case=case, actor=world.owner)
    assert not PointsEntry.objects.exists()
    client.post(f"/reporter/staff/flags/{mine.pk}/clear/", {"note": "现场核实"})
    mine.refresh_from_db()
    assert mine.cleared_by == world.secretary and balance_of(rider) == 10
    assert "Nothing to review." in client.get("/reporter/staff/flags/").content.decode()


def test_an_invitation_with_a_landline_or_a_taken_number_is_refused(world, rider, signed_in, sms_gateway):
    client = signed_in(world.secretary)
    landline = client.post(
        "/reporter/staff/invite/", {"name": "小王", "phone": "022-23456789", "occupation": "courier"}
    )
    assert landline.status_code == 200 and "enter a mobile number" in landline.content.decode()
    taken = client.post(
        "/reporter/staff/invite/", {"name": "小王", "phone": "+86 139 2001 6688", "occupation": "courier"}
    )
    assert taken.status_code == 200 and "already registered" in taken.content.decode()
    assert Reporter.objects.count() == 1 and sms_gateway.requests == []


def test_an_invitation_whose_sms_fails_is_kept_and_can_be_sent_again(world, signed_in, sms_gateway):
    sms_gateway.replies.append((500, b'{"error":"busy"}'))
    client = signed_in(world.secretary)
    client.post("/reporter/staff/invite/", {"name": "小赵", "phone": "13712345678", "occupation": "taxi"})
    reporter = Reporter.objects.get()
    assert reporter.invite_sent_at is None
    assert "SMS not sent" in client.get(f"/reporter/staff/{reporter.pk}/").content.decode()
    client.post(f"/reporter/staff/{reporter.pk}/invite/")
    reporter.refresh_from_db()
    assert reporter.invite_sent_at is not None and len(sms_gateway.requests) == 2


def test_the_grid_worker_may_invite_for_their_community_the_outsider_not(world, signed_in, sms_gateway):
    signed_in(world.owner).post(
        "/reporter/staff/invite/", {"name": "饿了么小哥", "phone": "13811110000", "occupation": "delivery"}
    )
    assert Reporter.objects.get().community == world.xiningdao
    forged = signed_in(world.outsider).post(
        "/reporter/staff/invite/",
        {"name": "冒充", "phone": "13811110001", "occupation": "delivery", "community": world.xiningdao.pk},
    )
    assert forged.status_code == 200 and Reporter.objects.count() == 1


def test_every_form_carries_a_csrf_token(world, rider, signed_in):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.secretary)
    assert strict.post(f"/reporter/staff/{rider.pk}/redeem/", {"points": 1, "note": "x"}).status_code == 403
    assert browser().get("/reporter/login/").content.decode().count("csrfmiddlewaretoken") >= 1
    page = signed_in(world.secretary).get(f"/reporter/staff/{rider.pk}/").content.decode()
    assert page.count("<form") == page.count("csrfmiddlewaretoken")
