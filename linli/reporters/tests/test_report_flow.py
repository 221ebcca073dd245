"""随手拍 on the phone: photos first, then what, a few words and where; guarded against reused photos, far-away
photos and bursts of reports."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from linli.cases import services as case_services
from linli.cases.choices import Channel, Status
from linli.cases.models import Attachment, Case
from linli.reporters.choices import FlagKind
from linli.reporters.models import Flag, PhotoFingerprint

from .conftest import BUILDING_1, browser, jpeg, picture, upload

pytestmark = pytest.mark.django_db


def test_the_report_page_asks_for_photos_first_and_is_made_for_a_phone(rider_client):
    page = rider_client.get("/reporter/new/")
    html = page.content.decode()
    assert page.status_code == 200 and "csrfmiddlewaretoken" in html
    assert 'accept="image/*" capture="environment"' in html
    assert html.index('id="step-photos"') < html.index('id="step-category"') < html.index('id="step-place"')
    assert "reporters/reporters.css" in html


def test_a_report_with_a_located_photo_becomes_a_part_time_reporter_case(world, rider, report):
    response = report(upload(jpeg(1, gps=BUILDING_1)))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reporter/reports/{case.pk}/"
    assert case.channel == Channel.PART_TIME_REPORTER and case.reported_by == world.reporter
    assert case.category == world.drain and case.description == "井盖破损，有人差点踩空"
    assert case.grid == world.grid_a and case.assignee == world.owner and case.status == Status.ASSIGNED
    assert case.lat == pytest.approx(BUILDING_1[0], abs=1e-4) and case.lon == pytest.approx(
        BUILDING_1[1], abs=1e-4
    )
    assert case.reporter_name == "外卖小哥"
    [attachment] = Attachment.objects.filter(case=case)
    stored = Image.open(attachment.file.open("rb"))
    assert stored.format == "JPEG" and not stored.getexif()  # GPS and every other tag stripped (FU-03)
    assert PhotoFingerprint.objects.filter(case=case, reporter=rider).count() == 1
    assert not Flag.objects.exists()


def test_a_photo_without_location_uses_the_phones_position(world, rider, report):
    report(upload(jpeg(2)), lat="39.1115", lon="117.2012")
    case = Case.objects.get()
    assert (case.lat, case.lon) == (39.1115, 117.2012) and case.grid == world.grid_a


def test_or_the_building_chosen(world, rider, report):
    report(upload(jpeg(3)), building=world.building_3.pk)
    case = Case.objects.get()
    assert case.building == world.building_3 and case.grid == world.grid_b


def test_a_report_needs_a_photo_and_a_place(world, rider, report):
    no_photo = report(lat="39.1115", lon="117.2012")
    assert no_photo.status_code == 200 and "Take or choose at least one photo" in no_photo.content.decode()
    nowhere = report(upload(jpeg(4)))
    assert nowhere.status_code == 200 and "Allow the phone" in nowhere.content.decode()
    assert not Case.objects.exists()


def test_a_building_of_another_community_is_not_offered(world, rider, report):
    from linli.org.models import Building, Compound

    elsewhere = Building.objects.create(
        compound=Compound.objects.create(community=world.yanyu, name="燕宇小区"),
        name="9号楼",
        grid=world.grid_y,
    )
    response = report(upload(jpeg(5)), building=elsewhere.pk)
    assert response.status_code == 200 and not Case.objects.exists()


def test_the_same_photo_sent_again_is_refused_naming_it(world, rider, report):
    data = jpeg(6, gps=BUILDING_1)
    report(upload(data, "IMG_0006.jpg"))
    again = report(upload(jpeg(7), "other.jpg"), upload(data, "IMG_0006.jpg"))
    html = again.content.decode()
    assert again.status_code == 200
    assert "Photo 2 (“IMG_0006.jpg”) was already used in an earlier report" in html
    assert Case.objects.count() == 1 and PhotoFingerprint.objects.count() == 1


def test_the_same_picture_resized_and_re_encoded_is_refused(world, rider, report):
    report(upload(jpeg(8, gps=BUILDING_1)))
    smaller = io.BytesIO()
    picture(8).resize((640, 480)).save(smaller, format="JPEG", quality=60)
    again = report(upload(smaller.getvalue(), "from-wechat.jpg"), lat="39.1115", lon="117.2012")
    assert "already used in an earlier report" in again.content.decode()
    assert Case.objects.count() == 1


def test_another_reporters_photo_is_refused_too(world, rider, report):
    from linli.accounts.choices import Role
    from linli.accounts.models import RoleAssignment, User
    from linli.reporters import services

    courier = User.objects.create_user(username="courier")
    RoleAssignment.objects.create(user=courier, role=Role.REPORTER, community=world.xiningdao)
    services.reporter_enrol(user=courier, community=world.xiningdao, name="顺丰小哥", phone="13511112222")
    data = jpeg(9, gps=BUILDING_1)
    report(upload(data))
    client = browser()
    client.force_login(courier)
    response = client.post(
        "/reporter/new/", {"category": world.drain.pk, "description": "同一张", "photos": [upload(data)]}
    )
    assert "already used in an earlier report" in response.content.decode()
    assert Case.objects.count() == 1


def test_different_pictures_are_not_mistaken_for_each_other(world, rider, report):
    for seed in range(10, 14):
        assert report(upload(jpeg(seed, gps=BUILDING_1))).status_code == 302
    assert Case.objects.count() == 4


def test_a_report_far_from_its_photo_is_taken_in_but_flagged(world, rider, rider_client, report):
    # The photo says 39.120 (about 1 km north of 1号楼); the reporter chose 1号楼.
    response = report(upload(jpeg(15, gps=(39.120, 117.201))), building=world.building_1.pk)
    case = Case.objects.get()
    assert response.status_code == 302 and case.building == world.building_1
    flag = Flag.objects.get()
    assert flag.kind == FlagKind.FAR_FROM_PHOTO and flag.case == case and flag.reporter == rider
    assert 900 < flag.data["metres"] < 1100
    shown = rider_client.get(response["Location"]).content.decode()
    assert "Staff will check it before the points are given" in shown


def test_near_the_photo_is_not_flagged(world, rider, report):
    report(upload(jpeg(16, gps=(39.1112, 117.2012))), building=world.building_1.pk)
    assert Case.objects.count() == 1 and not Flag.objects.exists()


def test_a_burst_of_reports_is_refused_with_429_and_the_reporter_is_flagged(world, rider, report):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for seed in range(20, 25):
            assert report(upload(jpeg(seed)), building=world.building_1.pk).status_code == 302
            clock.shift(timedelta(minutes=1))
        refused = report(upload(jpeg(25)), building=world.building_1.pk)
        assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 6 * 60
        assert report(upload(jpeg(26)), building=world.building_1.pk).status_code == 429
        assert Case.objects.count() == 5
        [flag] = Flag.objects.all()
        assert flag.kind == FlagKind.BURST and flag.reporter == rider and flag.case is None
        clock.shift(timedelta(minutes=6))  # the first report has left the 10-minute window
        assert report(upload(jpeg(27)), building=world.building_1.pk).status_code == 302


def test_the_reporter_sees_their_reports_with_a_timeline_without_staff_names(
    world, rider, rider_client, report
):
    report(upload(jpeg(30, gps=BUILDING_1)))
    case = Case.objects.get()
    case_services.case_respond(case=case, actor=world.owner, note="已联系刘阿姨，下午去现场")
    home = rider_client.get("/reporter/").content.decode()
    assert case.title in home and "Problems you helped the community find and solve: 1" in home
    page = rider_client.get(f"/reporter/reports/{case.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and case.number in html
    assert "王网格" not in html and "刘阿姨" not in html and "张书记" not in html
    assert "/cases/files/" in html  # the reporter's own photo


def test_a_reporter_cannot_open_someone_elses_report(world, rider_client, new_case):
    other = new_case()
    assert rider_client.get(f"/reporter/reports/{other.pk}/").status_code == 404


def test_the_reporter_pages_send_others_to_sign_in_or_404(world, signed_in):
    anonymous = browser().get("/reporter/new/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/reporter/login/")
    assert signed_in(world.secretary).get("/reporter/").status_code == 404


def test_at_most_five_photos_and_only_real_pictures(world, rider, report):
    six = [upload(jpeg(40 + n), f"p{n}.jpg") for n in range(6)]
    assert "At most 5 files" in report(*six, building=world.building_1.pk).content.decode()
    fake = upload(b"\xff\xd8\xff" + b"not a picture" * 10, "fake.jpg")
    assert "is not a readable photo" in report(fake, building=world.building_1.pk).content.decode()
    pdf = upload(b"%PDF-1.4 hello", "scan.pdf")
    assert "only photos" in report(pdf, building=world.building_1.pk).content.decode()
    assert not Case.objects.exists()
