"""The staff intake page: suggestions appear while the text is typed, and whether the top one was taken is recorded."""

import pytest
from django.test import Client

from linli.cases.models import Case, Category
from linli.dispatch import services
from linli.dispatch.evaluate import Dataset
from linli.dispatch.models import SuggestionOutcome

DRAIN = ["下水道堵塞污水漫出", "楼下下水道又堵了", "污水井堵塞冒水", "厨房下水管道堵塞", "小区下水道返臭堵塞"]
FIRE = ["消防栓玻璃碎了", "楼道灭火器过期", "消防柜被杂物堵住", "消防通道的消防栓漏水", "灭火器压力不足"]


@pytest.fixture
def model(world):
    texts = [f"{t} {n}号楼" for n in range(1, 7) for t in DRAIN + FIRE]
    labels = [code for _n in range(1, 7) for code in ["ENV-DRAIN"] * len(DRAIN) + ["SAFE-FIRE"] * len(FIRE)]
    return services.model_train(
        data=Dataset(texts, labels, "test"), target="category", min_rows=10, char_max_features=2000
    )


def test_the_fragment_suggests_the_right_category_for_staff_only(world, model):
    staff = Client()
    staff.force_login(world.owner)
    html = staff.get(
        "/dispatch/suggest/", {"title": "吉利花园1号楼下水道堵塞", "description": ""}
    ).content.decode()
    first = html.index("data-suggest-code=")
    assert 'data-suggest-code="ENV-DRAIN"' in html[first : first + 40]
    assert f'data-suggest-pk="{world.drain.pk}"' in html and f'data-model-version="{model.version}"' in html
    reporter = Client()
    reporter.force_login(world.reporter)
    assert reporter.get("/dispatch/suggest/", {"title": "下水道"}).status_code == 404


def test_taking_or_overriding_the_top_suggestion_is_recorded_at_intake(world, model):
    client = Client()
    client.force_login(world.secretary)
    assert 'id="category-suggestions"' in client.get("/cases/new/").content.decode()
    trash = Category.objects.create(code="ENV-TRASH", name="垃圾清运", parent=world.root_cat)
    base = {"channel": "phone", "title": "吉利花园1号楼下水道堵塞", "lat": 39.111, "lon": 117.201}
    for chosen in (world.drain, trash):
        form = {**base, "category": chosen.pk, "suggested": "ENV-DRAIN", "suggestion_model": model.version}
        assert client.post("/cases/new/", form).status_code == 302
    assert Case.objects.count() == 2
    outcomes = list(SuggestionOutcome.objects.order_by("id").values_list("chosen", "accepted"))
    assert outcomes == [("ENV-DRAIN", True), ("ENV-TRASH", False)]
