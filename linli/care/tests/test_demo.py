"""The demo's care: a platform, terminals for people living alone, an answered SOS, orders; once."""

import pytest

from linli.care.demo import build_demo
from linli.care.models import CareCall, CareOrder, ServiceVisit, Terminal

pytestmark = pytest.mark.django_db


def test_build_demo_creates_the_care_once(world, registry):
    counts = build_demo()
    assert counts == {
        "terminal_providers": 1,
        "terminals": 1,
        "care_providers": 3,
        "care_calls": 2,
        "care_orders": 3,
    }
    sos = CareCall.objects.get(call_id="demo-sos-0001")
    assert sos.case.status == "closed" and sos.status == "answered"
    assert Terminal.objects.get().resident == registry.li
    meals = CareOrder.objects.get(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    assert meals.status == "scheduled" and ServiceVisit.objects.filter(order=meals).count() >= 10
    assert build_demo() == dict.fromkeys(counts, 0)
