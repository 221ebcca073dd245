"""What each partner actually did, on its page: the activities it co-hosted and the donations it gave."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services as activity_services
from linli.charity import services as charity_services
from linli.charity.choices import DonorKind

pytestmark = pytest.mark.django_db


def test_the_partner_page_lists_its_activities_and_donations(world, cast, client):
    activity_services.activity_create(
        actor=world.secretary,
        community=world.xiningdao,
        title="新年眼科义诊",
        starts_at=timezone.now() + timedelta(days=3),
        partners=[cast.aier],
    )
    activity_services.activity_create(
        actor=world.secretary,
        community=world.xiningdao,
        title="广场舞",
        starts_at=timezone.now() + timedelta(days=3),
    )
    charity_services.donation_receive(
        actor=world.secretary,
        community=world.xiningdao,
        donor_kind=DonorKind.PARTNER,
        partner=cast.aier,
        received_on=timezone.localdate(),
        items=[{"name": "老花镜", "unit": "副", "quantity": 40}],
    )
    client.force_login(world.owner)
    page = client.get(f"/partners/{cast.aier.pk}/").content.decode()
    assert "新年眼科义诊" in page and "广场舞" not in page
    assert "40 副 老花镜" in page
    client.force_login(world.street)
    page = client.get(f"/partners/{cast.aier.pk}/").content.decode()
    assert "新年眼科义诊" in page and "老花镜" in page
