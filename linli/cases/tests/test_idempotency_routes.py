"""RE-01 over the whole API: every POST route of the existing apps is either a creating POST that honours the
Idempotency-Key (a second identical POST answers the same and creates nothing) or listed here with its reason."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from linli.core.models import IdempotencyRecord
from linli.residents.tests.conftest import registry  # noqa: F401 - a fixture these tests use
from linli.urls import api_v1

pytestmark = pytest.mark.django_db

EXISTING_APPS = (
    "cases", "residents", "notices", "reporters", "care", "patrols", "deliberation", "dispatch", "knowledge",
    "hotspots", "org", "volunteers", "activities", "partners", "charity", "insights",
)  # fmt: skip
# accounts keeps its own tests: its POSTs sign in and change passwords, they create nothing to replay.

# POSTs that change something that exists (a transition, a reveal, a read with a body): a retry answers by the
# object's state and version (RE-02), not by a stored answer.
NOT_CREATING = {
    "case-transition": "a transition, guarded by the case version / If-Match",
    "whistle-report-in": "a whistle step on its state",
    "whistle-answer": "a whistle step on its state",
    "whistle-accept": "a whistle step on its state",
    "whistle-reject": "a whistle step on its state",
    "household-reveal": "a read that writes an audit entry",
    "resident-reveal": "a read that writes an audit entry",
    "resident-lookup": "a read with a body",
    "resident-export": "a download",
    "tag-assignment-remove": "removing twice removes once",
    "data-request-close": "a step on the request's state",
    "notice-cancel": "cancelling twice cancels once",
    "care-order-schedule": "a step guarded by the order version",
    "care-order-complete": "a step guarded by the order version",
    "care-order-rate": "rating twice keeps one rating",
    "care-order-cancel": "a step guarded by the order version",
    "care-calls": "the terminals' webhook: idempotent on the platform's call_id (care/tests/test_webhook.py)",
    "hazard-fix": "a step on the hazard's state",
    "meeting-approve": "a step on the minutes' state",
    "action-item-done": "a step guarded by the item version",
    "action-item-confirm": "a step guarded by the item version",
    "action-item-reopen": "a step guarded by the item version",
    "knowledge-answer-case": "a case transition, guarded by the case version",
    "charity-delivery-complete": "a step on the delivery's state; the hand-over is unique per plan and household",
    "charity-distribution-approve": "a step on the plan's state",
    "charity-distribution-open": "a step on the plan's state",
    "charity-distribution-close": "a step on the plan's state",
    "charity-recipient-remove": "removing twice removes once",
    "occurrence-skip": "a step guarded by the occurrence version",
    "occurrence-move": "a step guarded by the occurrence version",
    "occurrence-volunteers-confirm": "one service record per sign-up (a one-to-one link)",
    "service-record-confirm": "a step on the record's state; a confirmed record never changes",
    "volunteer-reveal": "a read that writes an audit entry",
    # The 五社联动 apps and insights replay their creating POSTs in their own tests (test_api*.py of each app).
    "volunteers": None,
    "volunteer-teams": None,
    "volunteer-team-members": None,
    "service-records": None,
    "service-record-corrections": None,
    "activities": None,
    "occurrence-signups": None,
    "partners": None,
    "partner-contacts": None,
    "partner-items": None,
    "partner-agreements": None,
    "partner-cases": None,
    "charity-donations": None,
    "charity-distributions": None,
    "charity-recipients": None,
    "charity-handovers": None,
    "charity-plan-deliveries": None,
    "charity-stock-adjust": None,
    "insights-reports": None,
}


def _post_routes(patterns=api_v1, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _post_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
            if view is None or not hasattr(view, "post"):
                continue
            app = view.__module__.split(".")[1]
            if app in EXISTING_APPS:
                yield entry.name, prefix + str(entry.pattern), view


ROUTES = sorted({name: (path, view) for name, path, view in _post_routes()}.items())


def test_every_post_route_of_the_existing_apps_is_classified():
    names = {name for name, _ in ROUTES}
    unknown = names - NOT_CREATING.keys() - CREATING.keys()
    assert not unknown, (
        f"classify these POST routes (creating → idempotent, or NOT_CREATING): {sorted(unknown)}"
    )
    stale = (CREATING.keys() | NOT_CREATING.keys()) - names
    assert not stale, f"no such POST route any more: {sorted(stale)}"


@pytest.mark.parametrize("name", sorted(set(dict(ROUTES)) - set(NOT_CREATING)))
def test_a_creating_post_goes_through_idempotent(name):
    _path, view = dict(ROUTES)[name]
    assert "idempotent(" in inspect.getsource(view.post), f"{name}: wrap its POST with core.idempotency"


# ---------------------------------------------------------------- one real request per creating route


def _case(world):
    from linli.cases.services import case_create

    return case_create(actor=world.secretary, title="楼道堆物", category=world.drain, lat=39.111, lon=117.201)


def _meeting(world):
    from linli.deliberation import services

    return services.meeting_create(
        actor=world.secretary,
        community=world.xiningdao,
        type="residents_council",
        title="居民议事会",
        starts_at=timezone.now() + timedelta(days=7),
        place="社区党群服务中心",
        invited=[],
    )


def _care_ready(world, registry):  # noqa: F811
    from linli.care import services

    provider, _secret = services.terminal_provider_create(code="dzbm", name="电子保姆", secret="s" * 16)
    return provider


def _reporter(world):
    from linli.reporters import services

    return services.reporter_invite(
        actor=world.secretary, name="刘骑手", phone="13600001234", community=world.xiningdao
    )


def _redeemable(world):
    from linli.reporters import services

    reporter = _reporter(world)
    services._append(reporter=reporter, kind="award", points=10, note="测试")
    return reporter


CREATING = {
    "cases": (
        "secretary",
        lambda w, r: (
            "/api/v1/cases/",
            {"title": "路灯不亮", "category": "ENV-DRAIN", "lat": 39.111, "lon": 117.201},
        ),
    ),
    "case-whistles": (
        "secretary",
        lambda w, r: (
            f"/api/v1/cases/{_case(w).pk}/whistles/",
            {
                "department": "CGW",
                "reason": "占道经营需执法",
                "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
            },
        ),
    ),
    "case-feedback": None,  # needs a resolved case: covered by cases/tests (feedback) — checked statically above
    "households": (
        "owner",
        lambda w, r: ("/api/v1/households/", {"building": w.building_1.pk, "unit": "2", "room": "502"}),
    ),
    "residents": (
        "owner",
        lambda w, r: (
            "/api/v1/residents/",
            {"household": r.home_a.pk, "name": "王小明", "relationship": "child"},
        ),
    ),
    "resident-tags": ("owner", lambda w, r: (f"/api/v1/residents/{r.li.pk}/tags/", {"tag": "dangyuan"})),
    "resident-visits": ("owner", lambda w, r: (f"/api/v1/residents/{r.li.pk}/visits/", {"note": "身体还好"})),
    "data-requests": (
        "secretary",
        lambda w, r: ("/api/v1/data-requests/", {"resident": r.li.pk, "kind": "access", "details": "要一份"}),
    ),
    "notices": (
        "secretary",
        lambda w, r: (
            "/api/v1/notices/",
            {
                "template": "water_outage",
                "values": {"reason": "管网抢修", "place": "1号楼", "start": "9:30", "end": "16:00"},
                "place_kind": "building",
                "place_id": w.building_1.pk,
                "channels": ["in_app"],
            },
        ),
    ),
    "reporters": (
        "secretary",
        lambda w, r: ("/api/v1/reporters/", {"name": "赵骑手", "phone": "13600005678"}),
    ),
    "reporter-redeem": (
        "secretary",
        lambda w, r: (f"/api/v1/reporters/{_redeemable(w).pk}/redeem/", {"points": 3, "note": "换一袋米"}),
    ),
    "care-terminals": (
        "owner",
        lambda w, r: (
            "/api/v1/care/terminals/",
            {"resident": r.li.pk, "provider": _care_ready(w, r).code, "device_id": "DZBM-9"},
        ),
    ),
    "care-orders": (
        "owner",
        lambda w, r: (
            "/api/v1/care/orders/",
            {"resident": r.li.pk, "service": "meal", "requester_kind": "staff"},
        ),
    ),
    "visits": (
        "owner",
        lambda w, r: ("/api/v1/visits/", {"resident": r.li.pk, "kind": "home", "note": "送了药"}),
    ),
    "inspections": None,  # multipart with checklist ticks: patrols/tests/test_api_inspections.py replays it
    "inspection-cases": None,  # from an inspection's hazards: patrols/tests/test_api_inspections.py
    "meetings": (
        "secretary",
        lambda w, r: (
            "/api/v1/meetings/",
            {
                "community": w.xiningdao.pk,
                "type": "evening_talk",
                "title": "和平夜话",
                "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
            },
        ),
    ),
    "meeting-agenda-items": (
        "secretary",
        lambda w, r: (f"/api/v1/meetings/{_meeting(w).pk}/agenda-items/", {"title": "电梯加装"}),
    ),
    "meeting-decisions": None,  # needs an agenda item in discussion: deliberation/tests/test_api.py replays it
    "dispatch-feedback": None,  # needs a trained model: the static check above covers it
}


@pytest.mark.parametrize("name", sorted(k for k, v in CREATING.items() if v))
def test_a_second_identical_post_answers_the_same_and_creates_nothing(name, world, registry, api):  # noqa: F811
    from django.apps import apps

    role, make = CREATING[name]
    user = getattr(world, role)
    url, body = make(world, registry)
    client = api.as_(user)
    counts = lambda: {m._meta.label: m._default_manager.count() for m in apps.get_models()}  # noqa: E731
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=f"key-{name}")
    assert first.status_code in (200, 201), (name, first.json())
    after_first = counts()
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=f"key-{name}")
    assert again.status_code == first.status_code and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (
        counts() == after_first
    )  # nothing new anywhere (no object, no event, no notification, no audit row)
    assert IdempotencyRecord.objects.filter(key=f"key-{name}").count() == 1
    changed = {**body, "note": "another request"} if "note" in body else {**body, "_other": 1}
    other = client.post(url, changed, format="json", HTTP_IDEMPOTENCY_KEY=f"key-{name}")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
