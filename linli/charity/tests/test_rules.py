"""Recipient rules over a small registry: tags on residents or households, any or all, age, places; vacant
homes, people who moved out and removed tags do not count."""

from datetime import date

import pytest
from django.utils import timezone

from linli.charity import rules
from linli.core.errors import InvalidInput
from linli.residents.models import Resident, Tag, TagAssignment

pytestmark = pytest.mark.django_db
ON = date(2026, 12, 1)


def picked(world, rule) -> dict:
    cleaned = rules.clean_rule(rule, world.xiningdao)
    return {h.pk: matched for h, matched in rules.evaluate(world.xiningdao, cleaned, on=ON)}


def test_any_of_the_tags_on_the_household_or_a_resident(world, registry):
    # 韩大爷's household is 低保; 李秀兰 lives alone (a resident's tag)
    assert picked(world, {"tags": ["dibao", "dujulaoren"]}) == {
        registry.home_a.pk: ["dujulaoren"],
        registry.home_a2.pk: ["dibao"],
    }


def test_all_of_the_tags(world, registry):
    assert picked(world, {"tags": ["dibao", "canji"], "match": "all"}) == {
        registry.home_a2.pk: ["canji", "dibao"]
    }
    assert picked(world, {"tags": ["dibao", "dujulaoren"], "match": "all"}) == {}


def test_age_and_the_derived_gaoling_tag(world, registry):
    # 李秀兰 was born in 1941 (85), 韩大爷 in 1958 (68), 周建国 in 1975
    assert picked(world, {"min_age": 80}) == {registry.home_a.pk: ["age"]}
    assert picked(world, {"tags": ["gaoling"]}) == {registry.home_a.pk: ["age"]}
    assert set(picked(world, {"min_age": 60})) == {registry.home_a.pk, registry.home_a2.pk}


def test_grids_and_compounds_narrow_the_place(world, registry):
    everyone = {registry.home_a.pk, registry.home_a2.pk, registry.home_b.pk}
    assert set(picked(world, {"compounds": [world.jili.pk]})) == everyone
    assert set(picked(world, {"grids": [world.grid_b.pk]})) == {registry.home_b.pk}
    assert picked(world, {"tags": ["dibao"], "grids": [world.grid_b.pk]}) == {}


def test_removed_tags_moved_out_people_and_other_communities_do_not_count(world, registry):
    TagAssignment.objects.filter(household=registry.home_a2, tag__code="dibao").update(
        removed_at=timezone.now()
    )
    Resident.objects.filter(pk=registry.li.pk).update(moved_out=date(2026, 6, 1))
    TagAssignment.objects.create(
        tag=Tag.objects.get(code="dibao"),
        household=registry.home_y,
        added_by=world.outsider_secretary,
        added_at=timezone.now(),
    )
    assert picked(world, {"tags": ["dibao", "dujulaoren"]}) == {}


def test_a_rule_is_checked(world, registry):
    for rule, field in (
        ({}, "rule"),
        ({"tags": ["nosuchtag"]}, "rule.tags"),
        ({"tags": ["dangyuan"]}, "rule.tags"),
        ({"min_age": "old"}, "rule.min_age"),
        ({"min_age": 80, "match": "most"}, "rule.match"),
        ({"grids": [world.grid_y.pk]}, "rule.grids"),
        ({"tags": ["dibao"], "colour": "red"}, "rule"),
    ):
        with pytest.raises(InvalidInput) as e:
            rules.clean_rule(rule, world.xiningdao)
        assert e.value.field == field, rule
