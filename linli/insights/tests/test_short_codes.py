"""The roll-up models: short codes (texts in Python, small integers in the database), and their checks."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.insights.models import Histogram, Rollup, ShortCodeField


def test_a_code_is_its_bytes_and_comes_back_as_text():
    assert [ShortCodeField.encode(c) for c in ("", "d", "xm")] == [0, ord("d"), ord("x") * 256 + ord("m")]
    assert [ShortCodeField.decode(ShortCodeField.encode(c)) for c in ("", "d", "xm", "ZZ")] == [
        "",
        "d",
        "xm",
        "ZZ",
    ]


@pytest.mark.parametrize("bad", ["xmh", "区", "a\0"])
def test_what_is_not_a_short_code_is_refused(bad):
    with pytest.raises(ValueError):
        ShortCodeField.encode(bad)


@pytest.mark.django_db
def test_the_orm_reads_and_filters_by_the_text():
    Histogram.objects.create(level="d", unit_id=7, grain="d", period="2026-11-26", kind="xm", bucket=90, n=3)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT level, kind, grain FROM {Histogram._meta.db_table}")
        assert cursor.fetchall() == [(ord("d"), ord("x") * 256 + ord("m"), ord("d"))]
    row = Histogram.objects.filter(level="d", kind__in=["xm", "rm"], grain="d").values("level", "kind").get()
    assert row == {"level": "d", "kind": "xm"}


def test_a_model_with_codes_validates_them_as_texts():
    row = Histogram(level="d", unit_id=7, grain="d", period="2026-11-26", kind="xm", bucket=90, n=3)
    row.full_clean(validate_constraints=False)
    row.level = "x"
    with pytest.raises(ValidationError) as refused:
        row.full_clean(validate_constraints=False)
    assert list(refused.value.message_dict) == ["level"]


@pytest.mark.django_db
def test_the_admin_lists_and_filters_the_codes(admin_client):
    Histogram.objects.create(level="d", unit_id=7, grain="d", period="2026-11-26", kind="xm", bucket=90, n=3)
    Histogram.objects.create(level="s", unit_id=8, grain="m", period="2026-11-01", kind="rh", bucket=1, n=2)
    response = admin_client.get("/admin/insights/histogram/", {"level__exact": "d"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("kind", flat=True)) == ["xm"]


def test_the_roll_up_models_pass_the_database_checks():
    """The covering key is handled for SQLite (CoveringUniqueConstraint): no warning for it on either database."""
    errors = [e.id for model in (Histogram, Rollup) for e in model.check(databases=["default"])]
    assert errors == []
