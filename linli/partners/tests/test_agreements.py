"""Co-building agreements: status from the dates, uploads checked and served to staff in scope only, and the
daily sweep that tells the secretaries once before an agreement ends."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.conftest import png_bytes
from linli.core.errors import InvalidInput
from linli.core.models import Notification
from linli.core.uploads import check_uploads
from linli.partners import services
from linli.partners.models import Agreement, AgreementAttachment
from linli.partners.selectors import agreement_badge

from .conftest import TODAY, pdf_bytes

pytestmark = pytest.mark.django_db


def _agreement(world, partner, *, start, until, title="共建协议"):
    return services.agreement_create(
        actor=world.secretary,
        partner=partner,
        title=title,
        signed_on=start,
        valid_from=start,
        valid_until=until,
    )


@pytest.mark.parametrize(
    ("until", "status"),
    [
        (TODAY + timedelta(days=31), "active"),
        (TODAY + timedelta(days=30), "expiring"),
        (TODAY, "expiring"),
        (TODAY - timedelta(days=1), "expired"),
        (None, "active"),
    ],
)
def test_the_status_follows_the_dates(world, cast, until, status):
    agreement = _agreement(world, cast.aier, start=date(2026, 1, 1), until=until)
    assert agreement.status_on(TODAY) == status
    assert agreement.status_on(date(2025, 12, 31)) == "pending"


def test_dates_out_of_order_are_refused(world, cast):
    with pytest.raises(InvalidInput) as exc:
        _agreement(world, cast.aier, start=date(2026, 6, 1), until=date(2026, 5, 31))
    assert exc.value.field == "valid_until"


def test_the_list_badge_prefers_an_agreement_in_force(world, cast, client):
    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    _agreement(world, cast.aier, start=year_ago, until=today - timedelta(days=2), title="旧协议")
    assert agreement_badge(cast.aier, today) == "expired"
    _agreement(world, cast.aier, start=year_ago, until=today + timedelta(days=10), title="新协议")
    assert agreement_badge(cast.aier, today) == "expiring"
    client.force_login(world.secretary)
    page = client.get("/partners/").content.decode()
    assert "agreement-expiring" in page
    _agreement(world, cast.aier, start=year_ago, until=today + timedelta(days=300), title="续签")
    assert agreement_badge(cast.aier, today) == "active"


def test_a_script_named_pdf_is_refused_and_a_real_pdf_is_stored(world, cast, api, client):
    client_api = api.as_(world.secretary)
    script = SimpleUploadedFile("协议.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    fields = {
        "title": "共建协议",
        "signed_on": "2026-01-01",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    refused = client_api.post(
        f"/api/v1/partners/{cast.aier.pk}/agreements/",
        {**fields, "attachments": [script]},
        format="multipart",
    )
    assert refused.status_code == 400 and refused.json()["field"] == "attachments"
    assert not Agreement.objects.exists()
    archive = SimpleUploadedFile("协议.zip", b"PK\x03\x04", content_type="application/zip")
    assert (
        client_api.post(
            f"/api/v1/partners/{cast.aier.pk}/agreements/",
            {**fields, "attachments": [archive]},
            format="multipart",
        ).status_code
        == 400
    )
    real = SimpleUploadedFile("../../协议.pdf", pdf_bytes(), content_type="application/pdf")
    stored = client_api.post(
        f"/api/v1/partners/{cast.aier.pk}/agreements/", {**fields, "attachments": [real]}, format="multipart"
    )
    assert stored.status_code == 201, stored.json()
    body = stored.json()
    assert body["status"] in ("active", "expiring", "expired") and len(body["attachments"]) == 1
    attachment = AgreementAttachment.objects.get()
    assert attachment.original_name == "协议.pdf" and attachment.stored_name.endswith(".pdf")
    assert ".." not in attachment.file.name and attachment.file.name.startswith("partners/")

    client.force_login(world.owner)  # a grid worker of the community may read it
    response = client.get(body["attachments"][0]["url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf_bytes()
    assert response["X-Content-Type-Options"] == "nosniff" and "attachment" in response["Content-Disposition"]
    client.force_login(world.outsider)
    assert client.get(body["attachments"][0]["url"]).status_code == 404
    client.force_login(world.dept)
    assert client.get(body["attachments"][0]["url"]).status_code == 404


def test_a_photo_of_the_agreement_is_re_encoded_without_its_metadata(world, cast):
    img = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    upload = SimpleUploadedFile("scan.jpg", out.getvalue(), content_type="image/jpeg")
    agreement = services.agreement_create(
        actor=world.secretary,
        partner=cast.aier,
        title="共建协议",
        signed_on=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
        attachments=check_uploads([upload], field="attachments"),
    )
    stored = agreement.attachments.get()
    data = stored.file.read()
    assert stored.content_type == "image/jpeg" and b"Camera maker" not in data
    with Image.open(io.BytesIO(data)) as again:
        assert not again.getexif()


def test_files_are_attached_from_the_page_and_a_forged_png_is_refused(world, cast, en):
    agreement = _agreement(world, cast.aier, start=date(2026, 1, 1), until=None)
    en.force_login(world.secretary)
    url = f"/partners/{cast.aier.pk}/agreements/{agreement.pk}/attach/"
    forged = SimpleUploadedFile("scan.png", b"<?php echo 1; ?>", content_type="image/png")
    response = en.post(url, {"attachments": forged}, follow=True)
    assert "does not contain what its name says" in response.content.decode()
    ok = SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png")
    assert en.post(url, {"attachments": ok}).status_code == 302
    assert agreement.attachments.count() == 1
    en.force_login(world.owner)  # grid workers read, but do not change agreements
    assert en.post(url, {"attachments": ok}).status_code == 404


def test_the_agreement_form_keeps_what_was_typed(world, cast, en):
    en.force_login(world.secretary)
    response = en.post(
        f"/partners/{cast.aier.pk}/agreements/",
        {
            "title": "眼科义诊共建协议",
            "signed_on": "2026-01-01",
            "valid_from": "2026-06-01",
            "valid_until": "2026-05-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "cannot end before it starts" in page
    assert 'value="眼科义诊共建协议"' in page


def test_the_sweep_tells_the_secretaries_once_before_an_agreement_ends(world, cast):
    ending = _agreement(
        world, cast.aier, start=date(2026, 1, 1), until=TODAY + timedelta(days=30), title="将到期"
    )
    _agreement(world, cast.aier, start=date(2026, 1, 1), until=TODAY + timedelta(days=31), title="还早")
    _agreement(world, cast.aier, start=date(2025, 1, 1), until=TODAY - timedelta(days=1), title="已过期")
    _agreement(world, cast.aier, start=date(2026, 1, 1), until=None, title="长期")
    assert services.agreements_sweep(TODAY) == 1
    [note] = Notification.objects.filter(kind="partner_agreement_expiring")
    assert note.recipient == world.secretary
    assert "将到期" in note.message and note.url == f"/partners/{cast.aier.pk}/"
    assert services.agreements_sweep(TODAY) == 0
    assert services.agreements_sweep(TODAY + timedelta(days=1)) == 1  # 还早 is now 30 days out
    assert Notification.objects.filter(kind="partner_agreement_expiring").count() == 2
    # a renewal moves the end date: the new end is announced again when it comes near
    ending.refresh_from_db()
    services.agreement_update(
        actor=world.secretary,
        agreement=ending,
        version=ending.version,
        valid_until=TODAY + timedelta(days=400),
    )
    assert services.agreements_sweep(TODAY) == 0
    assert services.agreements_sweep(TODAY + timedelta(days=380)) == 1
    assert Notification.objects.filter(kind="partner_agreement_expiring").count() == 3
