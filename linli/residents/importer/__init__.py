"""The Excel import of the resident registry (居民信息导入): its template, and the import itself.

A community office keeps its registry in a workbook: one row per resident, the household's compound, building,
unit and room repeated on each of its rows (merged cells are read as repeated). ``registry_import`` checks the
whole sheet first and reports every problem with its row; only a sheet without problems is written, in one
transaction, and re-importing it updates what it wrote instead of adding it again:

* a household is its room: building, unit and room, found through ``Household.room_index``;
* a resident is their ID number (``Resident.id_index``), or without one their name within the household;
* a blank cell keeps what is registered; only the tag column is exact (the listed tags replace the others).

The work is done in bulk (``plan`` then ``writes``) — a few queries for every lookup, one ``executemany`` INSERT
per table for new rows, one UPDATE per set of changed columns — so that 100,000 residents import in well under a
minute. ``columns`` names the sheet's columns and values, ``cells`` reads what offices type, ``template`` builds
the downloadable template.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core.audit import audit
from linli.core.errors import NotAllowed
from linli.org.models import Community

from .columns import _ORDER, HEADERS, HELP_SHEET, MAX_ROWS, REQUIRED, SHEET
from .plan import _Import
from .report import ImportReport, Problem
from .template import import_template

__all__ = [
    "HEADERS",
    "HELP_SHEET",
    "MAX_ROWS",
    "REQUIRED",
    "SHEET",
    "ImportReport",
    "Problem",
    "import_template",
    "registry_import",
]


def _may_import(actor, community: Community) -> bool:
    scope = actor.scope
    return scope.is_admin or community.pk in scope.community_ids


def registry_import(*, actor, community: Community, file, commit: bool, request=None) -> ImportReport:
    """Import (``commit=True``) or check (``commit=False``) a registry sheet for one community.

    The sheet is checked whole first; with any problem nothing is written and the report lists them all. Otherwise
    everything is written in one transaction and audited once (counts only, never a number from the sheet).
    ``file`` is a path, bytes or a binary file-like object (an upload). Only the community's secretary or an
    administrator may import."""
    if not _may_import(actor, community):
        raise NotAllowed(_("Only the community's secretary may import its registry."))
    job = _Import(actor=actor, community=community)
    job.read(file)
    if not job.fatal:
        if commit:
            with transaction.atomic():
                # Imports of one community queue behind each other (PostgreSQL; SQLite's BEGIN IMMEDIATE does it).
                list(
                    Community.objects.select_for_update().filter(pk=community.pk).values_list("pk", flat=True)
                )
                job.plan()
                if not job.problems:
                    job.write()
                    report = job.report
                    audit(
                        "registry.import",
                        actor=actor,
                        request=request,
                        object_type="org.community",
                        object_id=str(community.pk),
                        rows=report.rows,
                        created=report.residents_created,
                        updated=report.residents_updated,
                        households_created=report.households_created,
                        households_updated=report.households_updated,
                        units_created=report.units_created,
                        tags_added=report.tags_added,
                        tags_removed=report.tags_removed,
                    )
                    report.committed = True
        else:
            job.plan()
    job.report.problems = sorted(job.problems, key=lambda p: (p.row, _ORDER.get(p.column, -1)))
    return job.report
