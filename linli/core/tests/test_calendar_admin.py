"""Administrators load next year's holiday arrangement; until then staff see that deadlines are estimated."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from linli.core.models import CalendarDay
from linli.core.workdays import estimated_years

pytestmark = pytest.mark.django_db

ARRANGEMENT_2027 = "\n".join(
    ["date,is_workday,name"]
    + [f"2027-01-0{d},0,元旦" for d in (1, 2, 3)]
    + [f"2027-02-{d:02d},0,春节" for d in range(5, 12)]
    + ["2027-02-14,1,春节", "2027-02-20,1,春节"]
    + [f"2027-04-0{d},0,清明节" for d in (3, 4, 5)]
    + [f"2027-05-0{d},0,劳动节" for d in range(1, 6)]
    + ["2027-06-09,0,端午节", "2027-09-15,0,中秋节"]
    + [f"2027-10-0{d},0,国庆节" for d in range(1, 8)]
)


def superuser_client(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    return client


def test_an_administrator_imports_a_years_arrangement_from_a_file(world):
    client = superuser_client(world)
    assert estimated_years(date(2026, 12, 1), 60) == [2027]
    upload = SimpleUploadedFile("2027.csv", ARRANGEMENT_2027.encode())
    response = client.post("/admin/core/calendarday/import/", {"file": upload})
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=date(2027, 2, 14), is_workday=True).exists()
    assert estimated_years(date(2026, 12, 1), 60) == []


def test_a_bad_arrangement_file_is_explained_and_nothing_is_stored(world):
    client = superuser_client(world)
    upload = SimpleUploadedFile("2027.csv", b"date,is_workday,name\n2027-13-01,0,x\n")
    response = client.post("/admin/core/calendarday/import/", {"file": upload})
    assert response.status_code == 200
    assert "line 2" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_staff_see_a_warning_while_next_years_arrangement_is_missing(world):
    import time_machine

    client = Client()
    with time_machine.travel("2026-12-10 10:00 +0800", tick=False):
        client.force_login(world.owner)
        assert 'id="calendar-warning"' in client.get("/cases/").content.decode()
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        client.force_login(world.owner)
        assert 'id="calendar-warning"' not in client.get("/cases/").content.decode()
