def test_the_api_lists_the_viewers_hot_spots(api, world, drains_at):
    cases = drains_at(5)
    data = api.as_(world.owner).get("/api/v1/hotspots/").json()
    # five drains in an otherwise quiet January are also a rise in the grid's 环境卫生
    assert sorted((d["kind"], d["count"], d["building"], d["category"]) for d in data) == [
        ("building", 5, world.building_1.pk, world.drain.pk),
        ("rising", 5, None, world.root_cat.pk),
    ]
    data = [d for d in data if d["kind"] == "building"]
    assert {c["id"] for c in data[0]["cases"]} == {c.pk for c in cases}
    assert sum(data[0]["weekly"]) == 5
    assert data[0]["url"] == f"/hotspots/building/{world.building_1.pk}-{world.drain.pk}/"


def test_the_outsider_gets_an_empty_list(api, world, drains_at):
    drains_at(5)
    assert api.as_(world.outsider).get("/api/v1/hotspots/").json() == []


def test_anonymous_is_refused(api, world):
    assert api.get("/api/v1/hotspots/").status_code in (401, 403)
