"""Writes to the org tree: importing grid boundaries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Community, Grid
from .spatial import find_overlaps, geometry_from_geojson


class GridImportError(Exception):
    """The file cannot be imported; `problems` lists every reason, one per feature."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class GridImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _community_for(props: dict, communities: dict[str, Community]) -> Community | None:
    for key in ("community", "community_code", "community_name"):
        value = props.get(key)
        if value is not None and str(value) in communities:
            return communities[str(value)]
    return None


def grids_import(*, data: dict, dry_run: bool = False) -> GridImportResult:
    """Create or update grids (matched by `code`) from a GeoJSON FeatureCollection, all or nothing.

    Each feature needs properties `code`, `name` and `community` (a community code or name). Invalid shapes and
    grids that would overlap another grid, in the file or already stored, are refused with every problem listed."""
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise GridImportError([_("The file is not a GeoJSON FeatureCollection.")])
    communities: dict[str, Community] = {}
    for community in Community.objects.all():
        communities[community.code] = community
        communities[community.name] = community
    problems: list[str] = []
    rows: list[tuple[str, str, Community, dict]] = []
    shapes: list[tuple[str, object]] = []
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or "").strip()
        where = _("feature %(n)d (%(code)s)") % {"n": number, "code": code or "?"}
        if not code:
            problems.append(_("%(where)s: the property “code” is missing.") % {"where": where})
            continue
        if code in seen:
            problems.append(_("%(where)s: the code appears twice in the file.") % {"where": where})
            continue
        seen.add(code)
        name = str(props.get("name") or code).strip()[:50]
        community = _community_for(props, communities)
        if community is None:
            problems.append(
                _("%(where)s: unknown community “%(c)s”.") % {"where": where, "c": props.get("community", "")}
            )
        try:
            shape = geometry_from_geojson(feature.get("geometry") or {})
        except ValueError as exc:
            problems.append(_("%(where)s: invalid polygon: %(reason)s") % {"where": where, "reason": exc})
            continue
        if community is not None:
            rows.append((code, name, community, feature["geometry"]))
        shapes.append((code, shape))
    for grid_code, geometry in (
        Grid.objects.exclude(code__in=seen).exclude(geometry=None).values_list("code", "geometry")
    ):
        try:
            shapes.append((grid_code, geometry_from_geojson(geometry)))
        except ValueError:
            continue
    for a, b in find_overlaps(shapes):
        if a in seen or b in seen:
            problems.append(_("Grids %(a)s and %(b)s overlap.") % {"a": a, "b": b})
    if problems:
        raise GridImportError(problems)
    result = GridImportResult()
    existing = {g.code: g for g in Grid.objects.filter(code__in=seen)}
    with transaction.atomic():
        for code, name, community, geometry in rows:
            grid = existing.get(code)
            if grid is None:
                result.created.append(code)
                if not dry_run:
                    Grid.objects.create(code=code, name=name, community=community, geometry=geometry)
            else:
                result.updated.append(code)
                if not dry_run:
                    grid.name, grid.community, grid.geometry = name, community, geometry
                    grid.save()
    return result


def grids_import_file(*, path: str | Path, dry_run: bool = False) -> GridImportResult:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GridImportError([_("Cannot read %(path)s: %(e)s") % {"path": path, "e": exc}]) from exc
    except json.JSONDecodeError as exc:
        raise GridImportError([_("Not valid JSON: %(e)s") % {"e": exc}]) from exc
    return grids_import(data=data, dry_run=dry_run)
