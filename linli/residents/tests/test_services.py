"""The registry's services: tags with history, care and visits, data-subject requests, intake, exports."""

import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from linli.cases.choices import Urgency
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.core.models import AuditEntry
from linli.residents import selectors, services
from linli.residents.models import DataSubjectRequest, ExportRequest, Resident, Tag, TagAssignment

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)


def tag(code):
    return Tag.objects.get(code=code)


def test_the_very_old_tag_follows_the_birth_date_and_cannot_be_set(world, registry):
    with pytest.raises(InvalidInput) as refused:
        services.tag_add(actor=world.colleague_worker, tag=tag("gaoling"), resident=registry.zhou)
    assert refused.value.field == "tag"
    codes = [t.code for t in selectors.present_resident(world.owner, registry.li).tags]
    assert "gaoling" in codes  # born 1941
    assert "gaoling" not in [t.code for t in selectors.present_resident(world.owner, registry.han).tags]


def test_removing_a_tag_keeps_its_history_and_it_can_be_set_again(world, registry):
    assignment = TagAssignment.objects.get(resident=registry.han, tag__code="dangyuan")
    services.tag_remove(actor=world.secretary, assignment=assignment)
    again = services.tag_add(actor=world.owner, tag=tag("dangyuan"), resident=registry.han)
    history = TagAssignment.objects.filter(resident=registry.han, tag__code="dangyuan").order_by("id")
    assert [(a.removed_by, a.removed_at is not None) for a in history] == [
        (world.secretary, True),
        (None, False),
    ]
    assert again.added_by == world.owner
    assert [a.pk for a in selectors.tag_history(world.owner, registry.han)][:2] == [again.pk, assignment.pk]


def test_a_role_without_the_label_may_not_set_a_sensitive_tag(world, registry):
    from linli.accounts.choices import Role
    from linli.accounts.models import RoleAssignment, User

    leader = User.objects.create_user(username="leader", password="x")
    RoleAssignment.objects.create(user=leader, role=Role.GRID_LEADER, grid=world.grid_a)
    with pytest.raises(NotAllowed):
        services.tag_add(actor=leader, tag=tag("dibao"), household=registry.home_a)


def test_the_outsider_may_not_change_a_household(world, registry):
    with pytest.raises(NotAllowed):
        services.resident_update(actor=world.outsider, resident=registry.li, version=1, notes="x")
    with pytest.raises(NotAllowed):
        services.resident_create(actor=world.colleague_worker, household=registry.home_a, name="王五")


def test_a_stale_version_is_refused_and_nothing_changes(world, registry):
    services.resident_update(actor=world.owner, resident=registry.li, version=1, notes="每周二上门")
    with pytest.raises(Conflict):
        services.resident_update(actor=world.secretary, resident=registry.li, version=1, notes="覆盖")
    li = Resident.objects.get(pk=registry.li.pk)
    assert (li.notes, li.version) == ("每周二上门", 2)


def test_an_id_number_must_pass_its_check_digit_and_be_unique(world, registry):
    bad = registry.zhou.id_number[:-1] + ("0" if registry.zhou.id_number[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as wrong:
        services.resident_create(actor=world.owner, household=registry.home_a, name="王五", id_number=bad)
    assert wrong.value.field == "id_number"
    with pytest.raises(InvalidInput) as taken:
        services.resident_create(
            actor=world.owner, household=registry.home_a, name="王五", id_number=registry.zhou.id_number
        )
    assert taken.value.field == "id_number"


def test_birth_date_and_gender_follow_the_id_number(world, registry):
    from linli.residents.tests.conftest import id_number

    person = services.resident_create(
        actor=world.owner,
        household=registry.home_a,
        name="李小红",
        id_number=id_number("120101", date(2015, 6, 1), 3, female=True),
    )
    assert (person.birth_date, person.gender) == (date(2015, 6, 1), "female")
    with pytest.raises(InvalidInput) as mismatch:
        services.resident_create(
            actor=world.owner,
            household=registry.home_a,
            name="李小明",
            id_number=id_number("120101", date(2016, 6, 1), 5, female=False),
            birth_date=date(2016, 6, 2),
        )
    assert mismatch.value.field == "birth_date"


def test_visits_fall_due_at_the_tag_cadence_and_a_visit_moves_the_next_date(world, registry):
    services.care_plan_set(
        actor=world.owner, resident=registry.li, visit_every_days=7, care_worker=world.owner
    )
    assert list(selectors.visits_due(world.owner)) == [Resident.objects.get(pk=registry.li.pk)]
    assert list(selectors.visits_due(world.colleague_worker)) == []
    services.visit_record(actor=world.owner, resident=registry.li, note="上门探访，身体状况良好")
    li = Resident.objects.get(pk=registry.li.pk)
    assert li.next_visit_due == timezone.localdate() + timedelta(days=7)
    assert list(selectors.visits_due(world.owner)) == []
    assert list(selectors.visits_due(world.owner, on=timezone.localdate() + timedelta(days=7))) == [li]


def test_tagging_someone_as_living_alone_puts_them_on_the_grid_workers_visit_list(world, registry):
    services.tag_add(actor=world.colleague_worker, tag=tag("dujulaoren"), resident=registry.zhou)
    zhou = Resident.objects.get(pk=registry.zhou.pk)
    assert (zhou.visit_every_days, zhou.care_worker) == (7, world.colleague_worker)
    assert zhou in selectors.visits_due(world.colleague_worker)


def test_a_visit_can_raise_a_case_linked_to_the_resident(world, registry):
    visit = services.visit_record(
        actor=world.owner,
        resident=registry.li,
        note="洗衣机下水管堵了",
        raise_case={"title": "李奶奶家下水管堵塞", "category": world.drain},
    )
    assert visit.case.resident == registry.li and visit.case.building == world.building_1
    assert visit.case.urgency == Urgency.URGENT  # she lives alone


def test_intake_finds_the_resident_by_phone_links_the_case_and_makes_it_urgent(world, registry, new_case):
    case = new_case(reporter_phone="13820001111", urgency=None)
    assert case.resident == registry.li and case.urgency == Urgency.URGENT
    ordinary = new_case(reporter_phone="13720003333", urgency=None)
    assert ordinary.resident == registry.zhou and ordinary.urgency == Urgency.NORMAL
    chosen = new_case(reporter_phone="13820001111", urgency=Urgency.NORMAL)
    assert chosen.urgency == Urgency.NORMAL
    stranger = new_case(reporter_phone="13620004444", urgency=None)  # 燕宇社区: not the secretary's to see
    assert stranger.resident is None


def test_the_resident_page_lists_their_cases_over_the_api(world, registry, new_case, api):
    case = new_case(reporter_phone="13820001111")
    body = api.as_(world.owner).get(f"/api/v1/residents/{registry.li.pk}/").json()
    assert [c["number"] for c in body["cases"]] == [case.number]
    created = api.as_(world.secretary).post(
        "/api/v1/cases/",
        {
            "title": "楼道灯坏了",
            "category": "ENV-DRAIN",
            "building": world.building_1.pk,
            "resident": registry.han.pk,
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["resident"] == registry.han.pk
    outside = api.as_(world.secretary).post(
        "/api/v1/cases/",
        {
            "title": "x",
            "category": "ENV-DRAIN",
            "building": world.building_1.pk,
            "resident": registry.outsider_resident.pk,
        },
        format="json",
    )
    assert outside.status_code == 400 and outside.json()["field"] == "resident"


@time_machine.travel(datetime(2026, 9, 28, 10, 0, tzinfo=TZ), tick=False)
def test_a_data_request_is_due_in_15_working_days_across_national_day(world, registry):
    dsr = services.data_request_create(actor=world.owner, resident=registry.li, kind="access")
    # 9-28 (Mon) + 15 working days, with 10-01..10-07 off and the make-up day 10-10 (Sat) worked
    assert dsr.due_date == date(2026, 10, 23)
    assert AuditEntry.objects.filter(event="pi.request_create", object_id=str(dsr.pk)).count() == 1


def test_an_overdue_data_request_is_flagged_to_the_secretary_once(world, registry):
    from linli.core.models import Notification

    with time_machine.travel(datetime(2026, 9, 28, 10, 0, tzinfo=TZ), tick=False):
        dsr = services.data_request_create(actor=world.owner, resident=registry.li, kind="access")
    assert services.data_requests_sweep(now=datetime(2026, 10, 23, 20, 0, tzinfo=TZ)) == 0  # due that day
    late = datetime(2026, 10, 24, 9, 0, tzinfo=TZ)
    assert services.data_requests_sweep(now=late) == 1
    assert services.data_requests_sweep(now=late) == 0
    told = Notification.objects.filter(kind="data_request_overdue")
    assert {n.recipient for n in told} == {world.secretary, world.owner}
    assert told[0].url == f"/residents/requests/{dsr.pk}/"


def test_a_data_request_export_hands_over_everything_in_full(world, registry):
    dsr = services.data_request_create(actor=world.owner, resident=registry.han, kind="access")
    data = services.data_request_export(actor=world.owner, dsr=dsr)
    assert (
        data["resident"]["id_number"] == registry.han.id_number and data["resident"]["phone"] == "13920002222"
    )
    assert {t["tag"] for t in data["tags"]} == {"残疾", "党员"}
    services.data_request_close(actor=world.owner, dsr=dsr, outcome="已当面交付")
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == "done"


def test_a_correction_request_changes_the_data_and_closes(world, registry):
    dsr = services.data_request_create(
        actor=world.owner, resident=registry.li, kind="correct", details="手机号换了"
    )
    with pytest.raises(InvalidInput):
        services.data_request_close(actor=world.owner, dsr=dsr, outcome="已更正")
    services.data_request_close(
        actor=world.owner, dsr=dsr, outcome="已更正", corrections={"phone": "13811112222"}
    )
    assert Resident.objects.get(pk=registry.li.pk).phone == "13811112222"
    with pytest.raises(Conflict):
        services.data_request_close(actor=world.owner, dsr=dsr, outcome="again")


def test_a_deletion_request_anonymises_the_resident_and_keeps_a_stub(world, registry, new_case):
    case = new_case(reporter_phone="13820001111")
    dsr = services.data_request_create(actor=world.secretary, resident=registry.li, kind="delete")
    services.data_request_close(actor=world.secretary, dsr=dsr, outcome="已按申请删除")
    li = Resident.objects.get(pk=registry.li.pk)
    assert (li.name, li.id_number, li.phone, li.birth_date) == ("已注销", "", "", None)
    assert li.anonymised_at is not None and not li.tag_assignments.exists()
    assert list(Resident.objects.by_phone("13820001111")) == []
    case.refresh_from_db()
    assert case.reporter_phone == "" and case.resident_id == li.pk
    assert AuditEntry.objects.filter(event="pi.anonymise", object_id=str(li.pk)).exists()


def _cells(book_bytes: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(book_bytes)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_an_export_is_masked_by_default_and_audited(world, registry):
    rows = _cells(
        services.registry_export(
            actor=world.owner, residents=selectors.resident_list(world.owner), filters={}
        )
    )
    assert rows[0][4:9] == ["姓名", "性别", "年龄", "身份证号", "手机号"]
    li = next(r for r in rows if r[4] == "李秀兰")
    assert (
        li[7] == registry.li.id_number[:6] + "********" + registry.li.id_number[-4:]
        and li[8] == "138****1111"
    )
    entry = AuditEntry.objects.get(event="registry.export")
    assert entry.detail["rows"] == 2 and entry.detail["unmasked"] is False


def test_an_unmasked_export_needs_a_reason_and_a_handler(world, registry):
    with pytest.raises(InvalidInput):
        services.registry_export(
            actor=world.owner, residents=selectors.resident_list(world.owner), filters={}, unmasked=True
        )
    with pytest.raises(NotAllowed):
        services.registry_export(
            actor=world.street,
            residents=selectors.resident_list(world.street),
            filters={},
            unmasked=True,
            reason="核对低保名单",
        )
    rows = _cells(
        services.registry_export(
            actor=world.owner,
            residents=selectors.resident_list(world.owner),
            filters={},
            unmasked=True,
            reason="报送民政",
        )
    )
    assert registry.li.id_number in [r[7] for r in rows]


def test_an_export_over_the_cap_waits_for_someone_elses_approval(world, registry, settings):
    settings.LINLI_EXPORT_MAX_ROWS = 1
    with pytest.raises(NotAllowed) as held:
        services.registry_export(
            actor=world.owner, residents=selectors.resident_list(world.owner), filters={}, reason="年度统计"
        )
    assert held.value.code == "export_needs_approval"
    pending = ExportRequest.objects.get(pk=held.value.extra["export_request"])
    assert (pending.rows, pending.status, pending.community) == (2, "pending", world.xiningdao)
    assert AuditEntry.objects.get(event="registry.export").outcome == "denied"
    with pytest.raises(NotAllowed):
        services.export_decide(actor=world.owner, export=pending, approve=True)
    with pytest.raises(NotAllowed):
        services.export_decide(actor=world.outsider_secretary, export=pending, approve=True)
    services.export_decide(actor=world.secretary, export=pending, approve=True)
    with pytest.raises(NotAllowed):
        services.export_download(actor=world.secretary, export=pending)
    rows = _cells(services.export_download(actor=world.owner, export=pending))
    assert len(rows) == 3
    with pytest.raises(NotAllowed):
        services.export_download(actor=world.owner, export=pending)


def test_a_street_wide_export_is_decided_by_the_street_office(world, registry, settings):
    from linli.accounts.choices import Role
    from linli.accounts.models import RoleAssignment, User

    settings.LINLI_EXPORT_MAX_ROWS = 1
    colleague = User.objects.create_user(username="street2", password="x")
    RoleAssignment.objects.create(user=colleague, role=Role.STREET_OFFICER, street=world.nanyingmen)
    with pytest.raises(NotAllowed) as held:
        services.registry_export(
            actor=world.street, residents=selectors.resident_list(world.street), filters={}
        )
    pending = ExportRequest.objects.get(pk=held.value.extra["export_request"])
    assert pending.community == world.xiningdao  # every row is in one community: its secretary may decide
    services.export_decide(actor=colleague, export=pending, approve=False)
    assert ExportRequest.objects.get(pk=pending.pk).status == "refused"


def test_the_community_profile_is_computed_from_the_registry(world, registry):
    profile = selectors.community_profile(world.xiningdao, on=date(2026, 12, 1))
    assert (profile["households"], profile["population"], profile["elderly"]) == (3, 3, 2)
    assert profile["elderly_share"] == 66.7 and profile["very_old"] == 1
    assert (profile["party_members"], profile["living_alone"], profile["compounds"]) == (1, 1, 1)
    services.resident_update(
        actor=world.owner, resident=registry.han, version=None, moved_out=date(2026, 11, 30)
    )
    assert selectors.community_profile(world.xiningdao)["population"] == 2


def test_moving_a_building_to_another_grid_moves_its_households_with_it(world, registry, api):
    world.building_1.grid = world.grid_b
    world.building_1.save()
    registry.home_a.refresh_from_db()
    assert registry.home_a.grid == world.grid_b
    assert api.as_(world.owner).get(f"/api/v1/residents/{registry.li.pk}/").status_code == 404
    assert api.as_(world.colleague_worker).get(f"/api/v1/residents/{registry.li.pk}/").status_code == 200
