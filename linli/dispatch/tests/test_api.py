from linli.dispatch import selectors
from linli.dispatch.models import SuggestionOutcome

from .test_models import closed_cases

URL = "/api/v1/dispatch/suggest/"


def test_no_suggestions_without_a_model(world, api):
    r = api.as_(world.owner).get(URL, {"text": "下水道堵了"})
    assert r.status_code == 200 and r.json() == {"model_version": None, "suggestions": []}


def test_reporters_and_anonymous_are_refused(world, api):
    assert api.get(URL, {"text": "下水道"}).status_code in (401, 403)
    assert api.as_(world.reporter).get(URL, {"text": "下水道"}).status_code == 403
    assert api.as_(world.dept).post("/api/v1/dispatch/feedback/", {}, format="json").status_code == 403


def test_suggestions_and_feedback(world, api, new_case):
    from .test_evaluate import run

    closed_cases(world, new_case)
    run("train")
    r = api.as_(world.owner).get(URL, {"text": "3号楼下水道堵了，污水漫出来", "target": "category"})
    assert r.status_code == 200
    body = r.json()
    top = body["suggestions"]
    assert body["model_version"] == 1 and len(top) == 3
    assert top[0]["code"] == "ENV-DRAIN" and top[0]["name"] == "下水道堵塞"
    assert top[0]["confidence"] >= top[1]["confidence"] >= top[2]["confidence"]

    text_hash = selectors.text_hash("3号楼下水道堵了")
    client = api.as_(world.secretary)
    for chosen in ("ENV-DRAIN", "ENV-DRAIN", "ENV-DRAIN", "SAFE-FIRE"):
        r = client.post(
            "/api/v1/dispatch/feedback/",
            {"model_version": 1, "text_hash": text_hash, "suggested": "ENV-DRAIN", "chosen": chosen},
            format="json",
        )
        assert r.status_code == 201
    assert SuggestionOutcome.objects.filter(accepted=True).count() == 3
    assert selectors.acceptance_rates()[1] == {"outcomes": 4, "accepted": 3, "rate": 0.75}
    bad = client.post(
        "/api/v1/dispatch/feedback/",
        {"model_version": 7, "text_hash": text_hash, "suggested": "A", "chosen": "A"},
        format="json",
    )
    assert bad.status_code == 404
    admin = api.as_(world.admin)
    from django.test import Client

    web = Client()
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    web.force_login(world.admin)
    page = web.get("/admin/dispatch/dispatchmodel/")
    assert page.status_code == 200 and "75%" in page.content.decode()
    assert admin is not None
