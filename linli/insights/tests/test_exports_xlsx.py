"""Excel exports of the dashboard tables: the selectors' numbers, rates as 0.0 %, scoped, audited, few queries."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from openpyxl import load_workbook

from linli.core.models import AuditEntry
from linli.insights import exports, selectors

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.urls("linli.insights.tests.test_reports_urlconf")]
PERIOD = {"from": "2025-05-01", "to": "2025-09-30"}


@pytest.fixture
def history(world, workflow):
    return workflow.run(30, datetime(2025, 5, 5, 8, 0, tzinfo=SH))


def signed_in(user):
    from django.conf import settings

    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sheet(resp):
    assert resp.status_code == 200, resp.content[:300]
    assert resp["Content-Type"] == exports.XLSX
    return load_workbook(io.BytesIO(resp.content)).active


def test_every_table_exports_the_dashboard_numbers_with_rate_formats_and_a_frozen_header(
    world, history, django_assert_max_num_queries
):
    client = signed_in(world.street)
    unit_ref = f"street:{world.nanyingmen.pk}"
    unit = selectors.get_unit_for_user(world.street, unit_ref)
    start, end = date(2025, 5, 1), date(2025, 9, 30)
    expected = {
        "trend": selectors.trend(unit, start, end, "month"),
        "categories": selectors.breakdown(unit, start, end, "category"),
        "channels": selectors.breakdown(unit, start, end, "channel"),
        "children": selectors.breakdown(unit, start, end, "community"),
    }
    for table, rows in expected.items():
        with django_assert_max_num_queries(14):
            ws = sheet(client.get(f"/insights/export/{table}.xlsx", {"unit": unit_ref, **PERIOD}))
        assert ws.freeze_panes == "A3"
        header = [c.value for c in ws[2]]
        assert header[1:4] == ["Cases received", "Response rate", "On-time response"]
        assert "南营门街道" in ws["A1"].value and "2026.1" in ws["A1"].value
        assert ws.max_row == 2 + len(rows) and rows
        for excel, row in zip(ws.iter_rows(min_row=3, values_only=False), rows, strict=True):
            assert excel[1].value == row["received"]
            rate = row["response_rate"]
            assert excel[2].value == (None if rate is None else pytest.approx(rate / 100))
            assert excel[2].number_format == "0.0%"
        assert all(ws.column_dimensions[letter].width >= 10 for letter in "ABCD")


def test_the_figures_and_departments_tables(world, history, django_assert_max_num_queries):
    client = signed_in(world.secretary)
    unit_ref = f"community:{world.xiningdao.pk}"
    unit = selectors.get_unit_for_user(world.secretary, unit_ref)
    figures = selectors.unit_kpis(unit, date(2025, 5, 1), date(2025, 9, 30))
    with django_assert_max_num_queries(20):  # session, user, scope, the KPI reads, the audit row
        ws = sheet(client.get("/insights/export/figures.xlsx", {"unit": unit_ref, **PERIOD}))
    values = {r[0].value: r[1] for r in ws.iter_rows(min_row=3)}
    assert values["Cases received"].value == figures["received"]
    assert values["Cases received"].number_format == "General"
    assert values["Response rate"].value == pytest.approx(figures["response_rate"] / 100)
    assert values["Response rate"].number_format == "0.0%"
    with django_assert_max_num_queries(14):
        ws = sheet(client.get("/insights/export/departments.xlsx", {"unit": unit_ref, **PERIOD}))
    departments = selectors.departments(unit, date(2025, 5, 1), date(2025, 9, 30))
    assert [c.value for c in ws[2]][0] == "Department"
    assert [r[0].value for r in ws.iter_rows(min_row=3)] == [d["name"] for d in departments]
    if departments:
        rate = departments[0]["acceptance_rate"]
        cell = ws.cell(row=3, column=9)
        assert cell.number_format == "0.0%" and cell.value == (
            None if rate is None else pytest.approx(rate / 100)
        )
    # The community's children are its grids.
    ws = sheet(client.get("/insights/export/children.xlsx", {"unit": unit_ref, **PERIOD}))
    assert ws["A2"].value == "Grid"


def test_exports_are_scoped_audited_and_check_their_parameters(world, history):
    unit_ref = f"community:{world.xiningdao.pk}"
    client = signed_in(world.secretary)
    resp = client.get("/insights/export/categories.xlsx", {"unit": unit_ref, **PERIOD})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    entry = AuditEntry.objects.get(event="export", object_id="categories")
    assert entry.actor == world.secretary and entry.detail["unit"] == unit_ref
    assert entry.detail["start"] == "2025-05-01"
    # Outside the viewer's scope, or no such table: 404; a bad period: 400; signed out: sign in first.
    assert (
        signed_in(world.outsider_secretary)
        .get("/insights/export/figures.xlsx", {"unit": unit_ref})
        .status_code
        == 404
    )
    assert signed_in(world.owner).get("/insights/export/figures.xlsx", {"unit": unit_ref}).status_code == 404
    assert client.get("/insights/export/nonsense.xlsx", {"unit": unit_ref}).status_code == 404
    assert (
        client.get("/insights/export/figures.xlsx", {"unit": unit_ref, "from": "2025-13-01"}).status_code
        == 400
    )
    assert Client().get("/insights/export/figures.xlsx").status_code == 302
    # A grid has no children table.
    grid = f"grid:{world.grid_a.pk}"
    assert signed_in(world.owner).get("/insights/export/children.xlsx", {"unit": grid}).status_code == 404
    assert AuditEntry.objects.filter(event="export").count() == 1
