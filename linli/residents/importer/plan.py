"""Checking a sheet against the registry and planning what to write: every problem, with its row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.choices import Role
from linli.cases.services import grid_worker
from linli.core.errors import InvalidInput
from linli.core.fields import index_candidates
from linli.core.validators import (
    id_number_birth_date,
    id_number_gender,
    normalize_id_number,
    normalize_phone,
)
from linli.org.models import Building, Community, Compound, Unit

from ..choices import TagTarget
from ..models import Household, Resident, Tag, TagAssignment, compose_address, room_key, visit_due_date
from .cells import (
    _Bad,
    _blank,
    _canonical_header,
    _choice,
    _date,
    _fill_merged,
    _floor,
    _id_number,
    _limited,
    _phone,
    _read_workbook,
    _text,
)
from .columns import (
    _ORDER,
    ADDRESS,
    BIRTH,
    BUILDING,
    COMPOUND,
    FLOOR,
    GENDER,
    GENDER_VALUES,
    GRADE,
    GRADE_TAG,
    HEADER_SEARCH,
    ID_NUMBER,
    KNOWN,
    MAX_ROWS,
    MOVED_IN,
    MOVED_OUT,
    NAME,
    NOTES,
    OCCUPANCY,
    OCCUPANCY_VALUES,
    PHONE,
    RELATIONSHIP,
    RELATIONSHIP_VALUES,
    REQUIRED,
    ROOM,
    TAG_SEPARATORS,
    TAGS,
    TENURE,
    TENURE_VALUES,
    UNIT,
    WRITE_BATCH,
    _chunks,
    _listing,
)
from .report import ImportReport, Problem
from .writes import _execute_many, _fk, _insert_rows, _update_rows


class _Row:
    """One data row, read and checked; values only for the cells that are filled in."""

    __slots__ = (
        "n",
        "compound",
        "building",
        "unit",
        "room",
        "house",
        "person",
        "id_number",
        "phone",
        "tags",
        "house_tags",
        "grade",
        "household",
        "skip_person",
    )

    def __init__(self, n: int):
        self.n = n
        self.house: dict = {}
        self.person: dict = {}
        self.id_number = self.phone = ""
        self.tags: list[Tag] | None = None
        self.house_tags: list[Tag] | None = None
        self.grade: str | None = None
        self.household: _House | None = None
        self.skip_person = False


class _House:
    """A household of the sheet: the existing row's values (or None for a new one) and what the rows say."""

    __slots__ = (
        "building",
        "unit_id",
        "unit_name",
        "room",
        "address_parts",
        "values",
        "value_rows",
        "existing",
        "pk",
        "changes",
        "tags",
    )

    def __init__(self, building: dict, unit_id: int | None, unit_name: str, room: str, address_parts: str):
        self.building, self.unit_id, self.unit_name, self.room = building, unit_id, unit_name, room
        self.address_parts = address_parts
        self.values: dict = {}
        self.value_rows: dict[str, int] = {}
        self.existing: dict | None = None
        self.pk: int | None = None
        self.changes: dict = {}
        self.tags: set[int] | None = None


class _Person:
    """A resident of the sheet: the existing row's values (or None) and the changes the sheet makes."""

    __slots__ = ("row", "house", "existing", "pk", "changes", "new_values")

    def __init__(self, row: _Row, house: _House, existing: dict | None):
        self.row, self.house, self.existing = row, house, existing
        self.pk: int | None = None if existing is None else existing["id"]
        self.changes: dict = {}
        self.new_values: dict = {}


_HOUSEHOLD_VALUES = (
    "id",
    "room_index",
    "building_id",
    "unit_id",
    "grid_id",
    "community_id",
    "street_id",
    "floor",
    "tenure",
    "occupancy",
)
_RESIDENT_VALUES = (
    "id",
    "id_index",
    "phone_index",
    "community_id",
    "household_id",
    "name",
    "gender",
    "birth_date",
    "relationship",
    "moved_in",
    "moved_out",
    "notes",
    "anonymised_at",
    "visit_every_days",
    "care_worker_id",
    "last_visit_at",
)
_PERSON_FIELDS = ("name", "gender", "birth_date", "relationship", "moved_in", "moved_out", "notes")


class _Import:
    def __init__(self, *, actor, community: Community):
        self.actor, self.community = actor, community
        self.problems: list[Problem] = []
        self.rows: list[_Row] = []
        self.columns: dict[str, int] = {}
        self.header_row = 1
        self.fatal = False
        self.report = ImportReport()
        self.tags_by_name: dict[str, Tag] = {}
        self.tag_by_id: dict[int, Tag] = {}
        self.houses: dict[tuple, _House] = {}
        self.people: list[_Person] = []
        self.new_units: dict[tuple[int, str], list[_House]] = {}
        self.tag_adds: list[tuple[Tag, str, _Person | None, _House | None]] = []
        self.tag_removals: list[int] = []
        self.grade_changes: list[tuple[int, str]] = []
        self.id_digests: dict[str, list[str]] = {}
        self.today = timezone.localdate()
        scope = actor.scope
        self.roles = {Role.SECRETARY} if community.pk in scope.community_ids else set()
        if scope.is_admin:
            self.roles.add(Role.ADMIN)

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, str(message)))

    # ------------------------------------------------------------------ reading the sheet

    def read(self, file) -> None:
        cells, merged = _read_workbook(file)
        header = self._find_header(cells)
        if header is None:
            self.fatal = True
            self.problem(
                1,
                "",
                _("No header row found: the first rows must name the columns, such as %(columns)s.")
                % {"columns": _listing(REQUIRED)},
            )
            return
        self.header_row = header + 1
        for name, index in self._columns(cells[header]).items():
            self.columns[name] = index
        missing = [name for name in REQUIRED if name not in self.columns]
        _fill_merged(cells, merged, header + 1)
        data = [i for i in range(header + 1, len(cells)) if not _blank(cells[i])]
        count = len(data)
        if count > MAX_ROWS:
            raise InvalidInput(
                _("The sheet has more than %(max)d rows; split it into several files.") % {"max": MAX_ROWS},
                field="file",
            )
        self.report.rows = count
        if missing:
            self.fatal = True
            self.problem(
                self.header_row,
                "",
                _("Required columns are missing: %(columns)s.") % {"columns": _listing(missing)},
            )
            return
        if count == 0:
            self.fatal = True
            self.problem(self.header_row, "", _("The sheet has no rows below the header."))
            return
        for tag in Tag.objects.all():
            self.tag_by_id[tag.pk] = tag
            self.tags_by_name[tag.name] = tag
            self.tags_by_name.setdefault(tag.code.lower(), tag)
        first_id: dict[str, int] = {}
        first_name: dict[tuple, int] = {}
        for i in data:
            row = self._parse(cells[i], i + 1)
            cells[i] = None  # the cells are not needed once read: keep the peak memory down
            self.rows.append(row)
            if row.skip_person or "name" not in row.person:
                continue
            if row.id_number:
                seen = first_id.setdefault(row.id_number, row.n)
                if seen != row.n:
                    self.problem(
                        row.n, ID_NUMBER, _("The same ID number is already on row %(row)d.") % {"row": seen}
                    )
                    row.skip_person = True
            else:
                key = (row.compound, row.building, row.unit, row.room, row.person["name"])
                seen = first_name.setdefault(key, row.n)
                if seen != row.n:
                    self.problem(
                        row.n,
                        NAME,
                        _(
                            "The same name is already on row %(row)d for this room; give the ID numbers to tell "
                            "the two apart."
                        )
                        % {"row": seen},
                    )
                    row.skip_person = True

    def _find_header(self, cells: list[list]) -> int | None:
        for i, row in enumerate(cells[:HEADER_SEARCH]):
            names = {_canonical_header(v) for v in row}
            if len(names & set(KNOWN)) >= 3:
                return i
        return None

    def _columns(self, header: Sequence) -> dict[str, int]:
        found: dict[str, int] = {}
        for index, value in enumerate(header):
            name = _canonical_header(value)
            if name not in _ORDER:
                continue
            if name in found:
                self.problem(
                    self.header_row, name, _("The column %(column)s appears twice.") % {"column": name}
                )
                continue
            found[name] = index
        return found

    def _parse(self, cells: Sequence, n: int) -> _Row:
        row = _Row(n)
        values = {name: cells[i] for name, i in self.columns.items() if i < len(cells)}
        get = values.get

        def read(name: str, reader, *args):
            try:
                return reader(get(name), *args)
            except _Bad as exc:
                self.problem(n, name, str(exc))
                return None

        # where: the household
        row.compound = _text(get(COMPOUND))
        row.building = _text(get(BUILDING))
        unit, room = read(UNIT, _limited, UNIT), read(ROOM, _limited, ROOM)
        row.unit, row.room = unit or "", room or ""
        if not row.compound:
            self.problem(n, COMPOUND, _("Enter the compound."))
        if not row.building:
            self.problem(n, BUILDING, _("Enter the building."))
        if room == "":
            self.problem(n, ROOM, _("Enter the room number."))
        house = row.house
        if (floor := read(FLOOR, _floor)) is not None:
            house["floor"] = floor
        if (tenure := read(TENURE, _choice, TENURE, TENURE_VALUES)) is not None:
            house["tenure"] = tenure
        if (occupancy := read(OCCUPANCY, _choice, OCCUPANCY, OCCUPANCY_VALUES)) is not None:
            house["occupancy"] = occupancy
        if address := read(ADDRESS, _limited, ADDRESS):
            house["address"] = address

        # who: the resident
        person = row.person
        name = read(NAME, _limited, NAME)
        row.id_number = read(ID_NUMBER, _id_number) or ""
        row.phone = read(PHONE, _phone) or ""
        if (gender := read(GENDER, _choice, GENDER, GENDER_VALUES)) is not None:
            person["gender"] = gender
        if (relationship := read(RELATIONSHIP, _choice, RELATIONSHIP, RELATIONSHIP_VALUES)) is not None:
            person["relationship"] = relationship
        for column, key in ((BIRTH, "birth_date"), (MOVED_IN, "moved_in"), (MOVED_OUT, "moved_out")):
            if (day := read(column, _date)) is not None:
                person[key] = day
        if notes := read(NOTES, _limited, NOTES):
            person["notes"] = notes
        if grade := read(GRADE, _limited, GRADE):
            row.grade = grade
        if TAGS in values:
            self._parse_tags(row, _text(get(TAGS)))

        if row.id_number:
            birth, gender = id_number_birth_date(row.id_number), id_number_gender(row.id_number)
            if person.get("birth_date", birth) != birth:
                self.problem(n, BIRTH, _("The birth date does not match the ID number."))
            if person.get("gender", gender) != gender:
                self.problem(n, GENDER, _("The gender does not match the ID number."))
            person["birth_date"], person["gender"] = birth, gender
        if person.get("birth_date") and person["birth_date"] > self.today:
            self.problem(n, BIRTH, _("The birth date is in the future."))
        if person.get("moved_in") and person.get("moved_out") and person["moved_out"] < person["moved_in"]:
            self.problem(n, MOVED_OUT, _("The move-out date is before the move-in date."))
        if row.grade is not None and not any(t.code == GRADE_TAG for t in row.tags or ()):
            grade_tag = next((t.name for t in self.tag_by_id.values() if t.code == GRADE_TAG), GRADE_TAG)
            self.problem(
                n, GRADE, _("A grade is given but %(tag)s is not among the tags.") % {"tag": grade_tag}
            )
        if name:
            person["name"] = name
        elif name is None:
            row.skip_person = True  # too long: said above
        elif person or row.id_number or row.phone or row.tags or row.grade:
            self.problem(n, NAME, _("Enter the resident's name."))
            row.skip_person = True
        else:
            row.person = {}  # a household without residents (a vacant flat)
        return row

    def _parse_tags(self, row: _Row, text: str) -> None:
        row.tags, row.house_tags = [], []
        for word in TAG_SEPARATORS.split(text):
            if not word:
                continue
            tag = self.tags_by_name.get(word) or self.tags_by_name.get(word.lower())
            if tag is None:
                self.problem(row.n, TAGS, _("Unknown tag %(tag)s.") % {"tag": word})
            elif tag.derived:
                self.problem(
                    row.n,
                    TAGS,
                    _("%(tag)s follows from the birth date and cannot be set by hand.") % {"tag": tag.name},
                )
            elif not tag.visible_for(self.roles):
                self.problem(row.n, TAGS, _("Your role may not set the tag %(tag)s.") % {"tag": tag.name})
            else:
                target = row.house_tags if tag.target == TagTarget.HOUSEHOLD else row.tags
                if tag not in target:
                    target.append(tag)

    # ------------------------------------------------------------------ planning against the database

    def plan(self) -> None:
        community = self.community
        compounds = {c.name: c for c in Compound.objects.filter(community=community)}
        buildings = {
            (b["compound_id"], b["name"]): b
            for b in Building.objects.filter(compound__community=community).values(
                "id", "compound_id", "name", "grid_id"
            )
        }
        units = {
            (u["building_id"], u["name"]): u["id"]
            for u in Unit.objects.filter(building__compound__community=community).values(
                "id", "building_id", "name"
            )
        }
        for row in self.rows:
            compound = compounds.get(row.compound)
            if compound is None:
                if row.compound:
                    self.problem(
                        row.n,
                        COMPOUND,
                        _("There is no compound %(name)s in this community.") % {"name": row.compound},
                    )
                continue
            building = buildings.get((compound.pk, row.building))
            if building is None:
                if row.building:
                    self.problem(
                        row.n,
                        BUILDING,
                        _("There is no building %(name)s in %(compound)s.")
                        % {"name": row.building, "compound": compound.name},
                    )
                continue
            if not row.room:
                continue
            key = (building["id"], row.unit, row.room)
            house = self.houses.get(key)
            if house is None:
                unit_id = units.get((building["id"], row.unit)) if row.unit else None
                house = _House(
                    building,
                    unit_id,
                    row.unit,
                    row.room,
                    compose_address(compound.name, building["name"], row.unit, row.room),
                )
                self.houses[key] = house
                if row.unit and unit_id is None:
                    self.new_units.setdefault((building["id"], row.unit), []).append(house)
            row.household = house
            self._merge_household(house, row)
        self._find_households()
        self._plan_people()
        self._plan_households()
        self._plan_tags()
        report = self.report
        report.units_created = len(self.new_units)
        report.households_created = sum(1 for h in self.houses.values() if h.existing is None)
        report.households_updated = sum(
            1 for h in self.houses.values() if h.existing is not None and h.changes
        )
        report.households_unchanged = len(self.houses) - report.households_created - report.households_updated
        report.residents_created = sum(1 for p in self.people if p.existing is None)
        report.residents_updated = sum(1 for p in self.people if p.existing is not None and p.changes)
        report.residents_unchanged = len(self.people) - report.residents_created - report.residents_updated
        report.tags_added = len(self.tag_adds)
        report.tags_removed = len(self.tag_removals)

    def _merge_household(self, house: _House, row: _Row) -> None:
        for key, value in row.house.items():
            if key not in house.values:
                house.values[key], house.value_rows[key] = value, row.n
            elif house.values[key] != value:
                column = {"floor": FLOOR, "tenure": TENURE, "occupancy": OCCUPANCY, "address": ADDRESS}[key]
                self.problem(
                    row.n,
                    column,
                    _("Row %(row)d gives this household a different value.") % {"row": house.value_rows[key]},
                )
        if row.house_tags is not None:
            house.tags = (house.tags or set()) | {t.pk for t in row.house_tags}

    def _find_households(self) -> None:
        by_digest: dict[str, _House] = {}
        for house in self.houses.values():
            if house.unit_name and house.unit_id is None:
                continue  # in a unit that does not exist yet: new
            key = room_key(house.building["id"], house.unit_id, house.room)
            for digest in index_candidates("room", key):
                by_digest[digest] = house
        digests = list(by_digest)
        fields = [*_HOUSEHOLD_VALUES, "address"] if ADDRESS in self.columns else list(_HOUSEHOLD_VALUES)
        for chunk in _chunks(digests):
            for values in Household.objects.filter(room_index__in=chunk).order_by("id").values(*fields):
                house = by_digest[values["room_index"]]
                if house.existing is None and values["building_id"] == house.building["id"]:
                    house.existing, house.pk = values, values["id"]

    def _plan_households(self) -> None:
        community = self.community
        for house in self.houses.values():
            denormalised = {
                "grid": house.building["grid_id"],
                "community": community.pk,
                "street": community.street_id,
            }
            if house.existing is None:
                house.changes = {
                    **denormalised,
                    "address": house.address_parts,
                    **house.values,
                }
                continue
            existing = house.existing
            changes = {}
            for key, value in house.values.items():
                if existing.get(key) != value:
                    changes[key] = value
            for key, value in denormalised.items():
                if existing[f"{key}_id"] != value:
                    changes[key] = value
            house.changes = changes

    def _plan_people(self) -> None:
        community_id = self.community.pk
        rows = [r for r in self.rows if r.household is not None and r.person and not r.skip_person]
        # Residents already registered under these ID numbers, here or elsewhere.
        by_digest: dict[str, str] = {}
        for row in rows:
            if row.id_number:
                digests = index_candidates("id_number", row.id_number, normalize_id_number)
                self.id_digests[row.id_number] = digests
                for digest in digests:
                    by_digest[digest] = row.id_number
        by_id: dict[str, list[dict]] = defaultdict(list)
        for chunk in _chunks(list(by_digest)):
            for values in (
                Resident.objects.filter(id_index__in=chunk).order_by("id").values(*_RESIDENT_VALUES)
            ):
                by_id[by_digest[values["id_index"]]].append(values)
        # Residents of the sheet's existing households, for rows found by name.
        need = sorted(
            {
                r.household.pk
                for r in rows
                if r.household.pk is not None
                and (
                    not r.id_number
                    or not any(v["community_id"] == community_id for v in by_id.get(r.id_number, ()))
                )
            }
        )
        by_name: dict[tuple[int, str], list[dict]] = defaultdict(list)
        for chunk in _chunks(need):
            for values in (
                Resident.objects.filter(household_id__in=chunk).order_by("id").values(*_RESIDENT_VALUES)
            ):
                if values["community_id"] == community_id and values["anonymised_at"] is None:
                    by_name[(values["household_id"], values["name"])].append(values)

        claimed: dict[int, int] = {}  # resident pk -> the row that describes them

        def claim(row: _Row, existing: dict | None) -> None:
            if existing is not None:
                first = claimed.setdefault(existing["id"], row.n)
                if first != row.n:
                    self.problem(
                        row.n, NAME, _("Row %(row)d already describes this resident.") % {"row": first}
                    )
                    return
            self.people.append(self._plan_person(row, existing))

        # Rows with an ID number first, so that rows without one choose among the residents left.
        for row in rows:
            if not row.id_number:
                continue
            found = by_id.get(row.id_number, [])
            here = [v for v in found if v["community_id"] == community_id and v["anonymised_at"] is None]
            elsewhere = [
                v
                for v in found
                if v["community_id"] != community_id and v["moved_out"] is None and v["anonymised_at"] is None
            ]
            if elsewhere:
                self.problem(
                    row.n,
                    ID_NUMBER,
                    _(
                        "This ID number belongs to a resident registered in another community; they must be moved "
                        "out there first."
                    ),
                )
                continue
            if here:
                here.sort(key=lambda v: (v["moved_out"] is not None, v["id"]))
                claim(row, here[0])
                continue
            existing = None
            if row.household.pk is not None:
                candidates = [
                    v
                    for v in by_name.get((row.household.pk, row.person["name"]), ())
                    if not v["id_index"] and v["id"] not in claimed
                ]
                existing = candidates[0] if candidates else None
            claim(row, existing)
        for row in rows:
            if row.id_number:
                continue
            existing = None
            if row.household.pk is not None:
                candidates = [
                    v
                    for v in by_name.get((row.household.pk, row.person["name"]), ())
                    if v["id"] not in claimed
                ]
                candidates.sort(key=lambda v: (v["moved_out"] is not None, v["id"]))
                existing = candidates[0] if candidates else None
            claim(row, existing)

    def _plan_person(self, row: _Row, existing: dict | None) -> _Person:
        person = _Person(row, row.household, existing)
        values = dict(row.person)
        if existing is None:
            if row.id_number:
                values["id_number"] = row.id_number
            if row.phone:
                values["phone"] = row.phone
            person.new_values = values
            return person
        changes = person.changes
        for key in _PERSON_FIELDS:
            if key in values and values[key] != existing[key]:
                changes[key] = values[key]
        if row.id_number and existing["id_index"] not in self.id_digests[row.id_number]:
            changes["id_number"] = row.id_number
            changes["id_index"] = _ID_INDEX.digest_of(row.id_number)
        if row.phone and existing["phone_index"] not in index_candidates("phone", row.phone, normalize_phone):
            changes["phone"] = row.phone
            changes["phone_index"] = _PHONE_INDEX.digest_of(row.phone)
        if row.household.pk != existing["household_id"]:
            changes["household"] = row.household  # its pk is known once new households are written
        return person

    def _plan_tags(self) -> None:
        if TAGS not in self.columns:
            return
        grade_tag = next((t for t in self.tag_by_id.values() if t.code == GRADE_TAG), None)

        def manageable(tag_id: int) -> bool:
            tag = self.tag_by_id.get(tag_id)
            return tag is not None and not tag.derived and tag.visible_for(self.roles)

        # The live tags of the community's residents and households: two queries, whatever the sheet's size.
        live_resident: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
        live_household: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
        if any(p.existing is not None for p in self.people):
            for a in TagAssignment.objects.filter(
                resident__community=self.community, removed_at__isnull=True
            ).values_list("id", "tag_id", "resident_id", "grade"):
                live_resident[a[2]][a[1]] = (a[0], a[3])
        if any(h.existing is not None for h in self.houses.values()):
            for a in TagAssignment.objects.filter(
                household__building__compound__community=self.community, removed_at__isnull=True
            ).values_list("id", "tag_id", "household_id", "grade"):
                live_household[a[2]][a[1]] = (a[0], a[3])

        for person in self.people:
            row = person.row
            if row.tags is None:
                continue
            desired = {t.pk for t in row.tags}
            live = live_resident.get(person.existing["id"], {}) if person.existing is not None else {}
            added = []
            for tag in row.tags:
                if tag.pk not in live:
                    grade = (row.grade or "") if grade_tag is not None and tag.pk == grade_tag.pk else ""
                    self.tag_adds.append((tag, grade, person, None))
                    added.append(tag)
                elif grade_tag is not None and tag.pk == grade_tag.pk and row.grade is not None:
                    assignment_id, grade = live[tag.pk]
                    if grade != row.grade:
                        self.grade_changes.append((assignment_id, row.grade))
            for tag_id, (assignment_id, _grade) in live.items():
                if tag_id not in desired and manageable(tag_id):
                    self.tag_removals.append(assignment_id)
            self._plan_care(person, added)
        for house in self.houses.values():
            if house.tags is None:
                continue
            live = live_household.get(house.pk, {}) if house.pk is not None else {}
            for tag_id in sorted(house.tags - set(live)):
                self.tag_adds.append((self.tag_by_id[tag_id], "", None, house))
            for tag_id, (assignment_id, _grade) in live.items():
                if tag_id not in house.tags and manageable(tag_id):
                    self.tag_removals.append(assignment_id)

    def _plan_care(self, person: _Person, added: list[Tag]) -> None:
        """A tag that calls for regular visits (独居老人: weekly) starts a care plan, as tagging by hand does."""
        every = min((t.visit_every_days for t in added if t.visit_every_days), default=None)
        if every is None:
            return
        existing = person.existing
        if existing is not None and existing["visit_every_days"]:
            return
        care_worker = existing["care_worker_id"] if existing is not None else None
        grid_id = person.house.building["grid_id"]
        if care_worker is None and grid_id is not None:
            worker = grid_worker(grid_id)  # the one tagging by hand would pick
            care_worker = worker.pk if worker else None
        due = visit_due_date(existing["last_visit_at"] if existing is not None else None, every)
        target = person.new_values if existing is None else person.changes
        target.update(visit_every_days=every, care_worker=care_worker, next_visit_due=due)

    # ------------------------------------------------------------------ writing

    def write(self) -> None:
        now = timezone.now()
        self._write_units()
        room_index = Household._meta.get_field("room_index")
        new_houses = [h for h in self.houses.values() if h.existing is None]
        rows = []
        for h in new_houses:
            row = {_fk(k): v for k, v in h.changes.items()}
            row.update(building_id=h.building["id"], unit_id=h.unit_id, room=h.room)
            row["room_index"] = room_index.digest_of(room_key(h.building["id"], h.unit_id, h.room))
            rows.append(row)
        for house, pk in zip(new_houses, _insert_rows(Household, rows, now), strict=True):
            house.pk = pk
        _update_rows(
            Household,
            [(h.pk, h.changes) for h in self.houses.values() if h.existing is not None and h.changes],
            now,
        )

        community_id = self.community.pk
        new_people = [p for p in self.people if p.existing is None]
        rows = []
        for p in new_people:
            row = {_fk(k): v for k, v in p.new_values.items()}
            row.update(household_id=p.house.pk, community_id=community_id)
            rows.append(row)
        for person, pk in zip(new_people, _insert_rows(Resident, rows, now), strict=True):
            person.pk = pk
        updates = []
        for person in self.people:
            if person.existing is not None and person.changes:
                changes = dict(person.changes)
                if isinstance(changes.get("household"), _House):
                    changes["household"] = changes["household"].pk
                updates.append((person.existing["id"], changes))
        _update_rows(Resident, updates, now)

        _insert_rows(
            TagAssignment,
            [
                {
                    "tag_id": tag.pk,
                    "grade": grade,
                    "resident_id": None if person is None else person.pk,
                    "household_id": None if house is None else house.pk,
                    "added_by_id": self.actor.pk,
                    "added_at": now,
                }
                for tag, grade, person, house in self.tag_adds
            ],
            now,
        )
        _execute_many(
            TagAssignment,
            ["removed_at", "removed_by"],
            [(now, self.actor.pk, pk) for pk in self.tag_removals],
        )
        _execute_many(TagAssignment, ["grade"], [(grade, pk) for pk, grade in self.grade_changes])

    def _write_units(self) -> None:
        if not self.new_units:
            return
        Unit.objects.bulk_create(
            [Unit(building_id=b, name=name) for b, name in self.new_units],
            batch_size=WRITE_BATCH,
            ignore_conflicts=True,
        )
        wanted = defaultdict(set)
        for building_id, name in self.new_units:
            wanted[building_id].add(name)
        for building_id, names in wanted.items():
            for unit in Unit.objects.filter(building_id=building_id, name__in=sorted(names)):
                for house in self.new_units.get((building_id, unit.name), []):
                    house.unit_id = unit.pk


_ID_INDEX = Resident._meta.get_field("id_index")
_PHONE_INDEX = Resident._meta.get_field("phone_index")
