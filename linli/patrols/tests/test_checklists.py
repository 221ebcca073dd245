import importlib

from django.apps import apps

from linli.cases.models import Category
from linli.patrols import services
from linli.patrols.models import ChecklistItem, ChecklistTemplate

seed = importlib.import_module("linli.patrols.migrations.0002_checklists")


def test_the_five_checklists_of_the_issue_are_seeded(db):
    names = dict(ChecklistTemplate.objects.values_list("code", "name"))
    assert set(names) == {"fire-equipment", "ebike", "corridor", "shop-fire", "gas"}
    assert "消防柜" in names["fire-equipment"] and "灭火器" in names["fire-equipment"]
    assert "飞线充电" in names["ebike"]
    kinds = dict(ChecklistTemplate.objects.values_list("code", "place_kind"))
    assert kinds["shop-fire"] == "shop" and kinds["ebike"] == "building"
    ebike = ChecklistTemplate.objects.get(code="ebike")
    texts = list(ebike.items.values_list("text", flat=True))
    assert any("飞线充电" in t for t in texts) and any("楼道" in t for t in texts)
    assert list(ebike.items.values_list("order", flat=True)) == sorted(
        ebike.items.values_list("order", flat=True)
    )


def test_items_name_their_category_codes_and_are_linked_once_the_categories_exist(db):
    assert not ChecklistItem.objects.filter(
        category__isnull=False
    ).exists()  # no categories at migration time
    flying = Category.objects.create(code="XF-FX", name="飞线充电")
    linked = services.checklist_link_categories()
    items = ChecklistItem.objects.filter(category_code="XF-FX")
    assert linked == items.count() > 0
    assert set(items.values_list("category", flat=True)) == {flying.pk}
    assert services.checklist_link_categories() == 0


def test_the_seed_links_categories_that_exist_when_it_runs(db):
    ChecklistTemplate.objects.all().delete()
    gas = Category.objects.create(code="GY-RQ", name="燃气")
    seed.add_checklists(apps, None)
    gas_items = ChecklistItem.objects.filter(template__code="gas")
    assert gas_items.count() == 5
    assert set(gas_items.values_list("category", flat=True)) == {gas.pk}
    seed.add_checklists(apps, None)  # running again adds nothing
    assert ChecklistItem.objects.filter(template__code="gas").count() == 5


def test_the_checklists_page_and_endpoint_list_them(client, api, world):
    client.force_login(world.owner)
    page = client.get("/patrols/checklists/")
    assert page.status_code == 200
    assert "电动车停放与充电" in page.content.decode()
    body = api.as_(world.owner).get("/api/v1/checklists/").json()
    ebike = next(t for t in body if t["code"] == "ebike")
    assert ebike["place_kind"] == "building" and len(ebike["items"]) == 6
