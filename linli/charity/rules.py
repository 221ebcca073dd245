"""Recipient rules of a distribution, evaluated over the registry of the plan's community.

A rule is ``{"tags": [codes], "min_age": 80, "match": "any"|"all", "grids": [ids], "compounds": [ids]}``:
a household is picked when it (or one of its current residents) carries the tags — any of them, or all with
``match: all`` — or has a current resident of at least ``min_age``; ``grids`` and ``compounds`` narrow the place.
高龄 (gaoling) is derived from the birth date, so it is read as ``min_age`` 80. Only households where somebody
lives now are picked: somebody must receive the hand-over."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from linli.core.errors import InvalidInput
from linli.org.models import Compound, Grid
from linli.residents.choices import VERY_OLD_AGE, VERY_OLD_TAG, Occupancy
from linli.residents.models import Household, Resident, Tag, TagAssignment
from linli.residents.selectors import years_ago

from .choices import RULE_TAGS

AGE = "age"


def _ids(value, field: str) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) or str(v).isdigit() for v in value):
        raise InvalidInput(_("Give a list of ids."), field=field)
    return sorted({int(v) for v in value})


def clean_rule(rule: dict | None, community) -> dict:
    """The rule checked against the managed tags and the community's grids and compounds; raises InvalidInput."""
    rule = dict(rule or {})
    unknown = set(rule) - {"tags", "min_age", "match", "grids", "compounds"}
    if unknown:
        raise InvalidInput(_("Unknown rule part: %(p)s.") % {"p": ", ".join(sorted(unknown))}, field="rule")
    tags = rule.get("tags") or []
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise InvalidInput(_("Give the tags as a list of codes."), field="rule.tags")
    tags = sorted(set(tags))
    known = set(Tag.objects.filter(code__in=RULE_TAGS).values_list("code", flat=True))
    bad = [t for t in tags if t not in known]
    if bad:
        raise InvalidInput(_("Unknown tag: %(t)s.") % {"t": ", ".join(bad)}, field="rule.tags")
    min_age = rule.get("min_age")
    if min_age in ("", None):
        min_age = None
    else:
        try:
            min_age = int(min_age)
        except (TypeError, ValueError):
            raise InvalidInput(_("The age is a whole number of years."), field="rule.min_age") from None
        if not 0 < min_age <= 120:
            raise InvalidInput(_("The age is between 1 and 120."), field="rule.min_age")
    match = rule.get("match") or "any"
    if match not in ("any", "all"):
        raise InvalidInput(_("Match is “any” or “all”."), field="rule.match")
    grids = _ids(rule.get("grids"), "rule.grids")
    if grids and Grid.objects.filter(pk__in=grids, community=community).count() != len(grids):
        raise InvalidInput(_("Choose grids of the plan's community."), field="rule.grids")
    compounds = _ids(rule.get("compounds"), "rule.compounds")
    if compounds and Compound.objects.filter(pk__in=compounds, community=community).count() != len(compounds):
        raise InvalidInput(_("Choose compounds of the plan's community."), field="rule.compounds")
    if not (tags or min_age or grids or compounds):
        raise InvalidInput(_("Say who should receive it: tags, an age, grids or compounds."), field="rule")
    cleaned: dict = {"match": match}
    if tags:
        cleaned["tags"] = tags
    if min_age:
        cleaned["min_age"] = min_age
    if grids:
        cleaned["grids"] = grids
    if compounds:
        cleaned["compounds"] = compounds
    return cleaned


def evaluate(community, rule: dict, *, on: date) -> list[tuple[Household, list[str]]]:
    """The households the rule picks in the community, in address order, each with what matched."""
    households = Household.objects.filter(community=community).exclude(occupancy=Occupancy.VACANT)
    if rule.get("grids"):
        households = households.filter(grid_id__in=rule["grids"])
    if rule.get("compounds"):
        households = households.filter(building__compound_id__in=rule["compounds"])
    residents = Resident.objects.current().filter(household__in=households)
    lived_in = set(residents.values_list("household_id", flat=True))

    tags = [t for t in rule.get("tags", []) if t != VERY_OLD_TAG]
    ages = [
        a for a in (rule.get("min_age"), VERY_OLD_AGE if VERY_OLD_TAG in rule.get("tags", []) else None) if a
    ]
    criteria: dict[str, set[int]] = {code: set() for code in tags}
    if tags:
        live = TagAssignment.objects.filter(removed_at__isnull=True, tag__code__in=tags).filter(
            Q(household_id__in=lived_in) | Q(resident__in=residents)
        )
        for code, household_id, resident_household_id in live.values_list(
            "tag__code", "household_id", "resident__household_id"
        ):
            criteria[code].add(household_id or resident_household_id)
    if ages:
        born_by = years_ago(min(ages), on)
        criteria[AGE] = set(residents.filter(birth_date__lte=born_by).values_list("household_id", flat=True))

    if not criteria:
        picked = set(lived_in)
    elif rule.get("match") == "all":
        picked = set.intersection(*criteria.values()) & lived_in
    else:
        picked = set.union(*criteria.values()) & lived_in
    rows = households.filter(pk__in=picked).select_related("building__compound", "unit", "grid")
    rows = rows.order_by("building__compound__name", "building__name", "unit_id", "floor", "id")
    return [(h, sorted(code for code, ids in criteria.items() if h.pk in ids)) for h in rows]
