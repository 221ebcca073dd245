"""The whole 接诉即办 loop over the REST API, from intake to 销号."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def test_a_case_goes_from_intake_to_close_over_the_api(world, api):
    client = api.as_(world.secretary)
    response = client.post(
        "/api/v1/cases/",
        {
            "title": "吉利花园1号楼下水道堵塞",
            "description": "污水漫到楼道口",
            "category": "ENV-DRAIN",
            "channel": "phone",
            "lat": 39.111,
            "lon": 117.201,
            "urgency": "urgent",
            "reporter_name": "刘阿姨",
            "reporter_phone": "13812345678",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "assigned"
    assert body["grid"] == world.grid_a.pk
    assert body["assignee"] == world.owner.pk
    assert body["number"]
    assert body["version"] == 1
    received = timezone.now()
    due = timezone.datetime.fromisoformat(body["response_due_at"])
    assert timedelta(minutes=9) < due - received <= timedelta(minutes=10)
    case_id = body["id"]

    worker = api.as_(world.owner)
    r = worker.post(
        f"/api/v1/cases/{case_id}/transition/", {"action": "respond", "version": 1}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "in_progress"
    r = worker.post(
        f"/api/v1/cases/{case_id}/transition/",
        {"action": "resolve", "result": "已疏通下水道", "version": r.json()["version"]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "resolved"

    client = api.as_(world.secretary)
    r = client.post(
        f"/api/v1/cases/{case_id}/feedback/",
        {"solved": True, "satisfaction": "satisfied", "comment": "很及时"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    r = client.post(
        f"/api/v1/cases/{case_id}/transition/",
        {"action": "close", "version": r.json()["version"]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "closed"
    actions = list(CaseEvent.objects.filter(case_id=case_id).values_list("action", flat=True))
    assert actions == ["create", "respond", "resolve", "feedback", "close"]
    detail = client.get(f"/api/v1/cases/{case_id}/").json()
    assert [e["action"] for e in detail["timeline"]] == actions
    assert Case.objects.get(pk=case_id).satisfaction == "satisfied"
