"""Scoped like cases: the partner's community staff and street officers see it; everyone else gets 404."""

import pytest

pytestmark = pytest.mark.django_db


def _api_urls(pk):
    base = f"/api/v1/partners/{pk}/"
    return [base, f"{base}contacts/", f"{base}items/", f"{base}agreements/", f"{base}cases/"]


def _page_urls(pk):
    base = f"/partners/{pk}/"
    return [base, f"{base}sign/", f"{base}edit/"]


def test_outsiders_get_404_on_every_endpoint_and_page(world, cast, api, client):
    pk = cast.aier.pk
    for user in (world.outsider, world.outsider_secretary, world.dept, world.reporter):
        client_api = api.as_(user)
        for url in _api_urls(pk):
            assert client_api.get(url).status_code == 404, (user, url)
        assert client_api.patch(f"/api/v1/partners/{pk}/", {"version": 1}, format="json").status_code == 404
        for url in _api_urls(pk)[1:]:
            assert client_api.post(url, {}, format="json").status_code == 404, (user, url)
        client.force_login(user)
        for url in _page_urls(pk):
            assert client.get(url).status_code == 404, (user, url)
        for suffix in ("contacts/", "agreements/", "items/", "uses/", "cases/"):
            assert client.post(f"/partners/{pk}/{suffix}", {}).status_code == 404, (user, suffix)


def test_lists_show_only_the_partners_in_scope(world, cast, api):
    def names(user):
        response = api.as_(user).get("/api/v1/partners/")
        return (
            sorted(p["name"] for p in response.json()["results"])
            if response.status_code == 200
            else response.status_code
        )

    assert names(world.owner) == ["爱尔眼科"]
    assert names(world.colleague_worker) == ["爱尔眼科"]
    assert names(world.secretary) == ["爱尔眼科"]
    assert names(world.street) == ["爱尔眼科"]  # 南营门街道; 燕宇社区 is in 西沽街
    assert names(world.outsider) == ["燕宇便民药房"]
    assert names(world.admin) == ["燕宇便民药房", "爱尔眼科"]
    assert names(world.dept) == 404 and names(world.reporter) == 404


def test_anonymous_callers_are_refused(cast, api, client):
    assert api.get("/api/v1/partners/").status_code in (401, 403)
    response = client.get(f"/partners/{cast.aier.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_staff_pages_render_and_are_not_cached(world, cast, client):
    client.force_login(world.street)
    for url in ["/partners/", "/partners/new/", *_page_urls(cast.aier.pk)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"], url
    assert client.get("/partners/?kind=property").status_code == 200


def test_the_list_filters_by_community_for_those_who_see_several(world, cast, client):
    client.force_login(world.admin)
    page = client.get("/partners/").content.decode()
    assert 'id="partner-filter"' in page and "爱尔眼科" in page and "燕宇便民药房" in page
    page = client.get(f"/partners/?community={world.yanyu.pk}").content.decode()
    assert "燕宇便民药房" in page and "爱尔眼科" not in page
    page = client.get(f"/partners/?community={world.yanyu.pk}&kind=co_building").content.decode()
    assert "燕宇便民药房" not in page
