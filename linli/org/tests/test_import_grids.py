"""`linli import-grids FILE`: grids from GeoJSON, all or nothing, with clear errors."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from linli.conftest import square
from linli.org.locator import locate_grid_id
from linli.org.models import Grid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Commands speak the deployment's language (zh-hans); these tests read their English messages."""
    with translation.override("en"):
        yield


def feature(code, geometry, community="XND", name=None):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name or code, "community": community},
        "geometry": geometry,
    }


def write(tmp_path, features):
    path = tmp_path / "grids.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return str(path)


def test_it_creates_and_updates_grids_and_the_locator_sees_them(world, tmp_path, capsys):
    path = write(
        tmp_path,
        [
            feature("XND-03", square(117.208, 39.110), name="第三网格"),
            feature("XND-01", square(117.200, 39.110, 0.003)),
        ],
    )
    call_command("import-grids", path)
    assert "1" in capsys.readouterr().out
    grid = Grid.objects.get(code="XND-03")
    assert grid.name == "第三网格" and grid.community == world.xiningdao
    assert locate_grid_id(39.111, 117.209) == grid.pk
    assert Grid.objects.get(code="XND-01").geometry == square(117.200, 39.110, 0.003)


def test_it_refuses_a_self_intersecting_polygon_and_imports_nothing(world, tmp_path):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[117.3, 39.3], [117.31, 39.31], [117.31, 39.3], [117.3, 39.31], [117.3, 39.3]]],
    }
    path = write(tmp_path, [feature("XND-09", square(117.300, 39.200)), feature("XND-10", bow_tie)])
    with pytest.raises(CommandError) as exc:
        call_command("import-grids", path)
    assert "XND-10" in str(exc.value) and "Self-intersection" in str(exc.value)
    assert not Grid.objects.filter(code__in=["XND-09", "XND-10"]).exists()


def test_it_refuses_grids_that_overlap_each_other_or_a_stored_grid(world, tmp_path):
    path = write(tmp_path, [feature("XND-11", square(117.202, 39.111))])
    with pytest.raises(CommandError) as exc:
        call_command("import-grids", path)
    assert "XND-11" in str(exc.value) and "XND-01" in str(exc.value)
    path = write(tmp_path, [feature("A", square(117.5, 39.5)), feature("B", square(117.501, 39.501))])
    with pytest.raises(CommandError, match="overlap"):
        call_command("import-grids", path)


def test_touching_grids_are_fine(world, tmp_path):
    path = write(tmp_path, [feature("XND-12", square(117.208, 39.110))])
    call_command("import-grids", path)
    assert Grid.objects.filter(code="XND-12").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "Not valid JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "features": [{"properties": {}, "geometry": null}]}', "code"),
    ],
)
def test_it_explains_unreadable_files(world, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import-grids", str(path))


def test_an_unknown_community_is_named(world, tmp_path):
    path = write(tmp_path, [feature("Z-1", square(118.0, 40.0), community="不存在社区")])
    with pytest.raises(CommandError, match="不存在社区"):
        call_command("import-grids", path)


def test_dry_run_writes_nothing(world, tmp_path, capsys):
    call_command("import-grids", write(tmp_path, [feature("XND-13", square(117.3, 39.3))]), dry_run=True)
    assert not Grid.objects.filter(code="XND-13").exists()
