"""The Excel import of the registry: its template, dry runs, commits, re-imports and every kind of problem."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from linli.core.errors import InvalidInput, NotAllowed
from linli.core.models import AuditEntry
from linli.core.validators import id_check_char, validate_id_number
from linli.org.models import Building, Compound, Unit
from linli.residents.importer import HEADERS, import_template, registry_import
from linli.residents.models import Household, Resident, Tag, TagAssignment

KEYS = {
    "compound": "小区",
    "building": "楼栋",
    "unit": "单元",
    "floor": "楼层",
    "room": "房号",
    "tenure": "住房性质",
    "occupancy": "居住状态",
    "name": "姓名",
    "gender": "性别",
    "birth": "出生日期",
    "id_number": "身份证号",
    "phone": "手机号",
    "relationship": "与户主关系",
    "moved_in": "入住日期",
    "moved_out": "迁出日期",
    "tags": "标签",
    "grade": "残疾等级",
    "notes": "备注",
}


def idn(birth: date, seq: int, *, female: bool, region: str = "120101") -> str:
    """A valid 18-digit ID number for a birth date and sex."""
    body = f"{region}{birth:%Y%m%d}{seq:02d}{2 if female else 1}"
    return body + id_check_char(body)


LI = idn(date(1948, 3, 7), 1, female=True)
WANG = idn(date(1970, 5, 1), 2, female=False)
LIU = idn(date(1972, 8, 9), 3, female=True)
CHEN = idn(date(1940, 1, 2), 4, female=False)
ZHAO = idn(date(1990, 12, 31), 5, female=True)


def r(name: str, **values) -> dict:
    """One row: 吉利花园 1号楼 1单元 301 unless said otherwise."""
    row = {
        "compound": "吉利花园",
        "building": "1号楼",
        "unit": "1单元",
        "floor": 3,
        "room": "301",
        "name": name,
    }
    row.update(values)
    return {KEYS[k]: v for k, v in row.items()}


def write_sheet(path, rows, headers=HEADERS, *, title_rows=()):
    book = Workbook()
    sheet = book.active
    sheet.title = "居民信息"
    for line in title_rows:
        sheet.append(line)
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def good_rows(**changes) -> list[dict]:
    rows = [
        r(
            "李秀兰",
            tenure="自有",
            occupancy="居住",
            gender="女",
            birth="1948-03-07",
            id_number=LI,
            phone="13812345678",
            relationship="户主",
            moved_in="1986-05-01",
            tags="独居老人、党员",
        ),
        r("王建国", room="302", id_number=WANG, phone="13900001111", relationship="户主", tags="低保"),
        r("刘芳", room="302", id_number=LIU, relationship="配偶"),
        r("王小明", room="302", gender="男", birth="2010-06-01", relationship="子女"),
        r(
            "陈大爷",
            building="3号楼",
            unit=None,
            floor=1,
            room="101",
            id_number=CHEN,
            tags="残疾",
            grade="肢体二级",
        ),
        r(
            "赵敏",
            building="3号楼",
            unit="2单元",
            floor=2,
            room="201",
            id_number=ZHAO,
            tenure="租住",
            relationship="租户",
            phone="022-23456789",
        ),
    ]
    for name, values in changes.items():
        for row in rows:
            if row["姓名"] == name:
                row.update({KEYS[k]: v for k, v in values.items()})
    return rows


def counts() -> dict:
    return {
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "tags": TagAssignment.objects.count(),
        "live_tags": TagAssignment.objects.filter(removed_at__isnull=True).count(),
        "units": Unit.objects.count(),
        "audit": AuditEntry.objects.filter(event="registry.import").count(),
    }


def run(world, path, *, commit, actor=None):
    return registry_import(
        actor=actor or world.secretary, community=world.xiningdao, file=path, commit=commit
    )


def where(report) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in report.problems}


# ------------------------------------------------------------------------------------------------ template


def test_the_template_downloads_with_the_headers_in_order_an_example_and_the_instructions(world):
    content = import_template()
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["居民信息", "填写说明"]
    sheet = book["居民信息"]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert all(c.font.bold for c in sheet[1])
    example = {h: c for h, c in zip(HEADERS, sheet[2], strict=True)}
    assert example["小区"].value == "吉利花园" and example["姓名"].value == "李秀兰"
    validate_id_number(example["身份证号"].value)
    assert example["身份证号"].number_format == "@" and example["手机号"].number_format == "@"
    assert example["标签"].value == "独居老人、党员"
    explained = {row[0] for row in book["填写说明"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert explained == set(HEADERS)


def test_the_template_example_row_itself_imports_cleanly(world, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(import_template())
    report = run(world, path, commit=False)
    assert report.ok, report.problems
    assert (report.rows, report.residents_created, report.households_created, report.units_created) == (
        1,
        1,
        1,
        1,
    )


# ------------------------------------------------------------------------------------------------ dry run and commit


def test_a_good_sheet_dry_runs_without_writing_and_then_commits_what_it_announced(world, tmp_path):
    path = write_sheet(tmp_path / "good.xlsx", good_rows())
    before = counts()
    dry = run(world, path, commit=False)
    assert dry.ok, dry.problems
    assert counts() == before
    assert not dry.committed
    assert (dry.rows, dry.households_created, dry.residents_created, dry.units_created) == (6, 4, 6, 2)
    assert (dry.households_updated, dry.residents_updated, dry.tags_added) == (0, 0, 4)

    done = run(world, path, commit=True)
    assert done.ok and done.committed
    assert done.as_dict(problem_limit=5)["residents_created"] == 6
    after = counts()
    assert after["households"] == before["households"] + 4
    assert after["residents"] == before["residents"] + 6
    assert after["units"] == before["units"] + 2
    assert after["tags"] == before["tags"] + 4

    li = Resident.objects.get(name="李秀兰")
    assert (li.id_number, li.phone, li.gender, li.birth_date) == (
        LI,
        "13812345678",
        "female",
        date(1948, 3, 7),
    )
    assert li.relationship == "head" and li.moved_in == date(1986, 5, 1) and li.community == world.xiningdao
    home = li.household
    assert (home.building, home.unit.name, home.room, home.floor) == (world.building_1, "1单元", "301", 3)
    assert (home.grid, home.community, home.street) == (world.grid_a, world.xiningdao, world.nanyingmen)
    assert home.address == "吉利花园1号楼1单元301" and home.tenure == "owner" and home.occupancy == "occupied"
    chen = Resident.objects.get(name="陈大爷")
    assert chen.gender == "male" and chen.birth_date == date(1940, 1, 2)  # from the ID number
    assert chen.household.unit is None and chen.household.grid == world.grid_b
    assert Resident.objects.get(name="王小明").household == Resident.objects.get(name="王建国").household
    zhao = Resident.objects.get(name="赵敏")
    assert (
        zhao.phone == "022-23456789" and zhao.household.tenure == "tenant" and zhao.relationship == "tenant"
    )


def test_re_importing_the_same_sheet_changes_nothing_and_a_changed_phone_is_stored(world, tmp_path):
    path = write_sheet(tmp_path / "good.xlsx", good_rows())
    first = run(world, path, commit=True)
    assert first.committed
    after_first = counts()

    again = run(world, path, commit=True)
    assert again.committed
    assert (again.residents_created, again.households_created, again.units_created, again.tags_added) == (
        0,
        0,
        0,
        0,
    )
    assert (again.residents_updated, again.residents_unchanged, again.households_unchanged) == (0, 6, 4)
    assert {k: v for k, v in counts().items() if k != "audit"} == {
        k: v for k, v in after_first.items() if k != "audit"
    }
    assert set(Resident.objects.values_list("version", flat=True)) == {1}

    changed = write_sheet(
        tmp_path / "changed.xlsx", good_rows(李秀兰={"phone": "13700009999"}, 王小明={"notes": "上初中"})
    )
    third = run(world, changed, commit=True)
    assert third.committed and (third.residents_updated, third.residents_created) == (2, 0)
    li = Resident.objects.get(name="李秀兰")
    assert li.phone == "13700009999" and li.version == 2
    assert Resident.objects.by_phone("13700009999").get() == li
    assert not Resident.objects.by_phone("13812345678").exists()
    assert (
        Resident.objects.get(name="王小明").notes == "上初中"
    )  # found without an ID number: by household and name
    assert Resident.objects.get(name="刘芳").version == 1
    assert Resident.objects.count() == after_first["residents"]


def test_a_resident_registered_without_an_id_number_gets_it_on_a_later_import(world, tmp_path):
    run(world, write_sheet(tmp_path / "a.xlsx", good_rows(刘芳={"id_number": None})), commit=True)
    assert Resident.objects.get(name="刘芳").id_number == ""
    report = run(world, write_sheet(tmp_path / "b.xlsx", good_rows()), commit=True)
    assert report.committed and (report.residents_created, report.residents_updated) == (0, 1)
    assert Resident.objects.by_id_number(LIU).get().name == "刘芳"


def test_a_resident_found_by_id_number_in_another_room_moves_there(world, tmp_path):
    run(world, write_sheet(tmp_path / "a.xlsx", good_rows()), commit=True)
    moved = good_rows(刘芳={"room": "303"})
    report = run(world, write_sheet(tmp_path / "b.xlsx", moved), commit=True)
    assert report.committed and (report.households_created, report.residents_updated) == (1, 1)
    assert Resident.objects.get(name="刘芳").household.room == "303"
    assert Resident.objects.filter(name="刘芳").count() == 1


# ------------------------------------------------------------------------------------------------ problems


def test_a_broken_sheet_reports_every_problem_by_row_and_changes_nothing_even_on_commit(world, tmp_path):
    run(world, write_sheet(tmp_path / "good.xlsx", good_rows()), commit=True)
    li = Resident.objects.get(name="李秀兰")
    before = counts()
    bad_check = LIU[:-1] + ("0" if LIU[-1] != "0" else "1")
    rows = [
        r(
            "李秀兰", id_number=LI, phone="13812345678", notes="不该写入", tags="独居老人、党员"
        ),  # row 2: fine
        r("王建国", room="302", id_number=bad_check),  # row 3: check digit
        r("孙悟空", building="9号楼", room="901"),  # row 4: unknown building
        r("甲", room="305", id_number=ZHAO),  # row 5
        r("乙", room="306", id_number=ZHAO),  # row 6: same ID as row 5
        r("丙", room="307", phone="138-abc"),  # row 7: phone
        r("丁", room="308", tags="高龄"),  # row 8: derived tag
        r("戊", room="309", tags="党员、火星人"),  # row 9: unknown tag
    ]
    report = run(world, write_sheet(tmp_path / "bad.xlsx", rows), commit=True)
    assert not report.ok and not report.committed
    assert where(report) == {
        (3, "身份证号"),
        (4, "楼栋"),
        (6, "身份证号"),
        (7, "手机号"),
        (8, "标签"),
        (9, "标签"),
    }
    duplicate = next(p for p in report.problems if p.row == 6)
    assert "5" in duplicate.message
    assert "火星人" in next(p for p in report.problems if p.row == 9).message
    assert [p.row for p in report.problems] == sorted(p.row for p in report.problems)
    assert counts() == before
    li.refresh_from_db()
    assert li.notes == "" and li.version == 1


def test_each_kind_of_cell_problem_is_reported_on_its_column(world, tmp_path):
    rows = [
        r("甲", floor="三楼半"),  # 2
        r("乙", room="302", moved_in="2020-01-01", moved_out="2019-01-01"),  # 3
        r("丙" * 51, room="303"),  # 4
        r("丁", room="304", id_number=LI, gender="男"),  # 5: gender against the ID number
        r("戊", room="305", id_number=WANG, birth="1971-05-01"),  # 6: birth date against the ID number
        r("己", room="306", tenure="借住", relationship="邻居"),  # 7
        r("庚", room="307", grade="二级"),  # 8: a grade without 残疾
        r("辛", compound="不存在小区", room="308"),  # 9
        r("壬", room="309", birth="去年"),  # 10
        r("癸", room=None),  # 11
        r("子", room="310", notes="很长" * 1001),  # 12
        r("", room="311", phone="13812345678"),  # 13: details without a name
    ]
    report = run(world, write_sheet(tmp_path / "bad.xlsx", rows), commit=False)
    assert where(report) == {
        (2, "楼层"),
        (3, "迁出日期"),
        (4, "姓名"),
        (5, "性别"),
        (6, "出生日期"),
        (7, "住房性质"),
        (7, "与户主关系"),
        (8, "残疾等级"),
        (9, "小区"),
        (10, "出生日期"),
        (11, "房号"),
        (12, "备注"),
        (13, "姓名"),
    }
    assert all(p.message for p in report.problems)


def test_missing_required_columns_are_one_sheet_level_problem(world, tmp_path):
    headers = ["小区", "单元", "姓名", "身份证号"]
    report = run(
        world, write_sheet(tmp_path / "cols.xlsx", [r("李秀兰", id_number=LI)], headers), commit=True
    )
    assert len(report.problems) == 1 and not report.committed
    problem = report.problems[0]
    assert (problem.row, problem.column) == (1, "")
    assert "楼栋" in problem.message and "房号" in problem.message
    assert Resident.objects.count() == 0


def test_an_id_number_living_in_another_community_is_a_problem_but_one_moved_out_is_not(world, tmp_path):
    compound = Compound.objects.create(community=world.yanyu, name="燕宇小区")
    building = Building.objects.create(compound=compound, name="2号楼", grid=world.grid_y)
    home = Household.objects.create(
        building=building, grid=world.grid_y, community=world.yanyu, street=world.xigu, room="201"
    )
    Resident.objects.create(household=home, community=world.yanyu, name="李秀兰", id_number=LI)
    Resident.objects.create(
        household=home, community=world.yanyu, name="王建国", id_number=WANG, moved_out=date(2020, 1, 1)
    )
    report = run(world, write_sheet(tmp_path / "s.xlsx", good_rows()), commit=True)
    assert where(report) == {(2, "身份证号")}
    assert not report.committed and Resident.objects.count() == 2


# ------------------------------------------------------------------------------------------------ tags


def test_tags_are_set_a_later_import_without_one_removes_it_keeping_history_and_household_tags_go_on_the_household(
    world, tmp_path
):
    run(world, write_sheet(tmp_path / "a.xlsx", good_rows()), commit=True)
    li = Resident.objects.get(name="李秀兰")
    live = set(li.tag_assignments.filter(removed_at__isnull=True).values_list("tag__name", flat=True))
    assert live == {"独居老人", "党员"}
    wang = Resident.objects.get(name="王建国")
    dibao = TagAssignment.objects.get(tag__code="dibao")
    assert dibao.household == wang.household and dibao.resident is None
    assert not wang.tag_assignments.exists()
    canji = TagAssignment.objects.get(tag__code="canji")
    assert canji.resident.name == "陈大爷" and canji.grade == "肢体二级" and canji.added_by == world.secretary
    # 独居老人 starts weekly visits by the grid's worker, as tagging by hand does.
    assert (li.visit_every_days, li.care_worker, li.next_visit_due) == (7, world.owner, timezone.localdate())

    later = good_rows(李秀兰={"tags": "独居老人"}, 王建国={"tags": None}, 陈大爷={"grade": "肢体一级"})
    report = run(world, write_sheet(tmp_path / "b.xlsx", later), commit=True)
    assert report.committed and (report.tags_added, report.tags_removed) == (0, 2)
    party = TagAssignment.objects.get(tag__code="dangyuan", resident=li)
    assert party.removed_at is not None and party.removed_by == world.secretary
    assert TagAssignment.objects.filter(resident=li, tag__code="dujulaoren", removed_at__isnull=True).exists()
    assert TagAssignment.objects.get(tag__code="dibao").removed_at is not None
    assert TagAssignment.objects.get(tag__code="canji").grade == "肢体一级"

    again = run(world, write_sheet(tmp_path / "c.xlsx", good_rows()), commit=True)
    assert (again.tags_added, again.tags_removed) == (2, 0)
    assert TagAssignment.objects.filter(tag__code="dangyuan", resident=li).count() == 2  # history kept


def test_without_a_tag_column_tags_are_left_alone(world, tmp_path):
    run(world, write_sheet(tmp_path / "a.xlsx", good_rows()), commit=True)
    headers = [h for h in HEADERS if h not in ("标签", "残疾等级")]
    report = run(world, write_sheet(tmp_path / "b.xlsx", good_rows(), headers), commit=True)
    assert report.committed and (report.tags_added, report.tags_removed) == (0, 0)
    assert TagAssignment.objects.filter(removed_at__isnull=True).count() == 4


def test_a_tag_set_by_hand_that_the_actor_cannot_manage_is_not_removed(world, tmp_path):
    run(world, write_sheet(tmp_path / "a.xlsx", good_rows()), commit=True)
    li = Resident.objects.get(name="李秀兰")
    TagAssignment.objects.create(tag=Tag.objects.get(code="gaoling"), resident=li, added_at=timezone.now())
    report = run(world, write_sheet(tmp_path / "b.xlsx", good_rows()), commit=True)
    assert report.committed and report.tags_removed == 0


# ------------------------------------------------------------------------------------------------ who and what


@pytest.mark.parametrize("who", ["owner", "outsider_secretary", "street"])
def test_only_the_communitys_secretary_or_an_administrator_may_import(world, tmp_path, who):
    path = write_sheet(tmp_path / "s.xlsx", good_rows())
    with pytest.raises(NotAllowed):
        run(world, path, commit=False, actor=getattr(world, who))
    assert run(world, path, commit=False, actor=world.admin).rows == 6


def test_a_file_that_is_not_an_xlsx_is_invalid_input_on_the_file(world, tmp_path):
    text = tmp_path / "registry.xlsx"
    text.write_text("姓名,房号\n李秀兰,301\n")
    for file in (text, io.BytesIO(b"not a workbook at all"), b"PK\x03\x04 broken zip"):
        with pytest.raises(InvalidInput) as caught:
            run(world, file, commit=True)
        assert caught.value.field == "file"


def test_numbers_and_dates_typed_as_such_are_read_correctly(world, tmp_path):
    rows = [
        r(
            "李秀兰",
            room=301,
            floor=3.0,
            phone=13812345678,
            birth=datetime(1948, 3, 7),  # noqa: DTZ001 - Excel cells have no time zone
            id_number=LI,
            moved_in=date(1986, 5, 1),
            moved_out=20200105,
        ),
        r("王建国", room=302.0, id_number=WANG, moved_in="1999/3/5", phone=13900001111.0),
    ]
    path = write_sheet(tmp_path / "numbers.xlsx", rows)
    with open(path, "rb") as upload:  # a binary file-like object, as an upload is
        report = run(world, upload, commit=True)
    assert report.ok, report.problems
    li = Resident.objects.get(name="李秀兰")
    assert (li.phone, li.birth_date, li.moved_in, li.moved_out) == (
        "13812345678",
        date(1948, 3, 7),
        date(1986, 5, 1),
        date(2020, 1, 5),
    )
    assert (li.household.room, li.household.floor) == ("301", 3)
    wang = Resident.objects.get(name="王建国")
    assert (wang.household.room, wang.moved_in, wang.phone) == ("302", date(1999, 3, 5), "13900001111")


def test_an_id_number_typed_as_a_number_that_excel_rounded_is_a_problem(world, tmp_path):
    path = write_sheet(tmp_path / "id.xlsx", [r("李秀兰", id_number=int(LI[:17] + "0"))])
    report = run(world, path, commit=False)
    assert where(report) == {(2, "身份证号")}


def test_columns_are_found_by_name_after_a_title_row_with_merged_household_cells(world, tmp_path):
    headers = ["序号", "姓名", "房号", "楼栋", "小区", "身份证号码", "联系电话"]
    book = Workbook()
    sheet = book.active
    sheet.append(["西宁道社区居民信息登记表"])
    sheet.append(headers)
    sheet.append([1, "王建国", "302", "1号楼", "吉利花园", WANG, "13900001111"])
    sheet.append([2, "刘芳", None, None, None, LIU, None])
    sheet.append([None] * len(headers))
    sheet.append([3, "李秀兰", "301", "1号楼", "吉利花园", LI, None])
    for column in "CDE":
        sheet.merge_cells(f"{column}3:{column}4")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    report = run(world, path, commit=True)
    assert report.ok, report.problems
    assert (report.rows, report.households_created, report.residents_created) == (3, 2, 3)
    assert Resident.objects.get(name="刘芳").household == Resident.objects.get(name="王建国").household


def test_a_row_with_a_room_and_no_resident_registers_a_vacant_household(world, tmp_path):
    rows = [r("", room="401", floor=4, occupancy="空置")]
    report = run(world, write_sheet(tmp_path / "vacant.xlsx", rows), commit=True)
    assert report.committed and (report.households_created, report.residents_created) == (1, 0)
    assert Household.objects.get().occupancy == "vacant"


# ------------------------------------------------------------------------------------------------ privacy and audit


def test_the_database_holds_no_plaintext_id_numbers_phones_or_rooms(world, tmp_path):
    run(world, write_sheet(tmp_path / "s.xlsx", good_rows()), commit=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_index, phone_index FROM residents_resident")
        stored = cursor.fetchall()
        cursor.execute("SELECT room, address FROM residents_household")
        rooms = cursor.fetchall()
    assert len(stored) == 6
    text = json.dumps(stored + rooms, ensure_ascii=False)
    for secret in (LI, WANG, CHEN, "13812345678", "13900001111", "23456789", "1单元301"):
        assert secret not in text
    assert LI[:14] not in text


def test_one_audit_entry_per_commit_none_on_a_dry_run_and_no_numbers_in_it(world, tmp_path):
    path = write_sheet(tmp_path / "s.xlsx", good_rows())
    run(world, path, commit=False)
    assert not AuditEntry.objects.filter(event="registry.import").exists()
    run(world, path, commit=True)
    entry = AuditEntry.objects.get(event="registry.import")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        world.secretary,
        "org.community",
        str(world.xiningdao.pk),
    )
    assert entry.detail["rows"] == 6 and entry.detail["created"] == 6 and entry.detail["updated"] == 0
    dumped = json.dumps(entry.detail) + entry.reason
    for secret in (LI, WANG, "13812345678", "13900001111"):
        assert secret not in dumped
    run(world, path, commit=True)
    assert AuditEntry.objects.filter(event="registry.import").count() == 2
    broken = write_sheet(tmp_path / "bad.xlsx", [r("孙悟空", building="9号楼")])
    run(world, broken, commit=True)
    assert AuditEntry.objects.filter(event="registry.import").count() == 2


def test_rows_written_by_the_import_leave_the_ids_usable_for_ordinary_saves(world, tmp_path):
    run(world, write_sheet(tmp_path / "s.xlsx", good_rows()), commit=True)
    last = Resident.objects.order_by("-pk").first()
    home = Household.objects.create(
        building=world.building_1,
        grid=world.grid_a,
        community=world.xiningdao,
        street=world.nanyingmen,
        room="999",
    )
    later = Resident.objects.create(household=home, community=world.xiningdao, name="新来的")
    assert later.pk > last.pk and home.pk > Household.objects.exclude(pk=home.pk).order_by("-pk").first().pk
    assert Resident.objects.get(pk=last.pk).household.residents.count() >= 1
