"""Roll-ups of the case loop: one fact row per case (its contribution) and the sums kept from them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The counts a case contributes (each 0 or 1); the roll-ups store their sums under the same names.
COUNTS = (
    "received",
    "responded",
    "responded_on_time",
    "with_verdict",
    "solved",
    "rated",
    "satisfied",
    "resolved",
    "resolved_on_time",
    "open",
    "reopened",
    "whistled",
)


DURATIONS = ["respond_minutes", "resolve_minutes"]
# What overdue-now reads of an open fact besides its keys.
OVERDUE_COLUMNS = ["awaiting", "response_due_at", "resolution_due_at"]


class ShortCodeField(models.SmallIntegerField):
    """A code of at most two ASCII letters ("d", "xm"; "" for none) in Python, a small integer in the database
    (its bytes, big-endian).  The roll-up tables' keys are mostly such codes, and PostgreSQL sorts a key of
    fixed-width columns two to three times faster than one with short texts: after a text column it finds every
    later column's offset again in each comparison (the histogram key of 2 million cases, 4.5 million rows: 7 s
    against 17 s), and those sorts are most of what building the keys of a city's roll-ups costs."""

    validators: list = []  # not the integer range checks: the value in Python is the text

    @staticmethod
    def encode(code: str) -> int:
        if len(code) > 2 or not code.isascii() or "\0" in code:
            raise ValueError(f"not a short code: {code!r}")
        return int.from_bytes(code.encode("ascii"), "big")

    @staticmethod
    def decode(value: int) -> str:
        return value.to_bytes(2, "big").lstrip(b"\0").decode("ascii")

    def from_db_value(self, value, expression, connection):
        return None if value is None else self.decode(value)

    def to_python(self, value):
        return self.decode(value) if isinstance(value, int) else value

    def get_prep_value(self, value):
        return None if value is None else self.encode(value)


class Level(models.TextChoices):
    GRID = "g", _("Grid")
    COMMUNITY = "c", _("Community")
    STREET = "s", _("Street")
    DISTRICT = "d", _("District")


class CaseFact(models.Model):
    """What one case contributes to the figures, and the keys it is counted under (the last one applied)."""

    case_id = models.BigIntegerField(primary_key=True)
    # Org keys as plain integers, 0 for none (nulls would defeat the roll-ups' unique keys).
    grid_id = models.IntegerField(default=0)
    community_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    category_id = models.IntegerField()
    channel = models.CharField(max_length=20)
    day = models.DateField()  # local date received
    month = models.DateField()  # first day of that month
    received = models.SmallIntegerField(default=0)
    responded = models.SmallIntegerField(default=0)
    responded_on_time = models.SmallIntegerField(default=0)
    with_verdict = models.SmallIntegerField(default=0)
    solved = models.SmallIntegerField(default=0)
    rated = models.SmallIntegerField(default=0)
    satisfied = models.SmallIntegerField(default=0)
    resolved = models.SmallIntegerField(default=0)
    resolved_on_time = models.SmallIntegerField(default=0)
    open = models.SmallIntegerField(default=0)
    awaiting = models.SmallIntegerField(default=0)
    reopened = models.SmallIntegerField(default=0)
    whistled = models.SmallIntegerField(default=0)
    respond_minutes = models.IntegerField(null=True)
    resolve_minutes = models.IntegerField(null=True)
    response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")
        indexes = [
            models.Index(fields=["grid_id", "day"], name="insights_fact_grid_day"),
            models.Index(fields=["community_id", "day"], name="insights_fact_comm_day"),
            # Streets and districts read their facts only for the durations of partial months: from the index.
            models.Index(fields=["street_id", "day"], name="insights_fact_street_day", include=DURATIONS),
            models.Index(fields=["district_id", "day"], name="insights_fact_district_day", include=DURATIONS),
            # The open cases, for overdue-now: a small part of the table, counted from the index alone.
            *(
                models.Index(
                    fields=[column, "day"],
                    name=f"insights_fact_open_{short}",
                    condition=Q(open=1),
                    include=OVERDUE_COLUMNS,
                )
                for column, short in (
                    ("community_id", "comm"),
                    ("street_id", "street"),
                    ("district_id", "district"),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}"


WHISTLE_COLUMNS = ["department_id", "report_in_minutes", "answer_minutes", "accepted", "rejections"]


class WhistleFact(models.Model):
    """What one whistle says of its department's record (双考核), under the org keys of its case (moved with it)."""

    whistle_id = models.BigIntegerField(primary_key=True)
    case_id = models.BigIntegerField(db_index=True)
    department_id = models.IntegerField()
    grid_id = models.IntegerField(default=0)
    community_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    report_in_minutes = models.IntegerField(null=True)
    answer_minutes = models.IntegerField(null=True)
    accepted = models.SmallIntegerField(default=0)
    rejections = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("whistle fact")
        verbose_name_plural = _("whistle facts")
        # A unit's whistles of a period, read from the index alone.
        indexes = [
            models.Index(
                fields=[column, "created_at"], name=f"insights_wfact_{short}", include=WHISTLE_COLUMNS
            )
            for column, short in (
                ("grid_id", "grid"),
                ("community_id", "comm"),
                ("street_id", "street"),
                ("district_id", "district"),
            )
        ]

    def __str__(self) -> str:
        return f"whistle {self.whistle_id}"


class Rollup(models.Model):
    """Sums of the case facts of one org unit over one month or day, in total or per category/channel."""

    level = ShortCodeField(choices=Level.choices)
    unit_id = models.IntegerField()
    grain = ShortCodeField()  # "m" month (period = first day), "d" day
    period = models.DateField()
    dim = ShortCodeField(blank=True)  # "" total, "ca" category, "ch" channel
    key = models.CharField(max_length=30, blank=True)
    # Parents of the unit, so the children of any unit are one indexed filter (by=grid, by=community).
    community_id = models.IntegerField(default=0)
    street_id = models.IntegerField(default=0)
    district_id = models.IntegerField(default=0)
    received = models.BigIntegerField(default=0)
    responded = models.BigIntegerField(default=0)
    responded_on_time = models.BigIntegerField(default=0)
    with_verdict = models.BigIntegerField(default=0)
    solved = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    resolved_on_time = models.BigIntegerField(default=0)
    open = models.BigIntegerField(default=0)
    reopened = models.BigIntegerField(default=0)
    whistled = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "unit_id", "grain", "dim", "period", "key"], name="insights_rollup_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["level", "community_id", "grain", "dim", "period"], name="insights_rollup_comm"
            ),
            models.Index(
                fields=["level", "street_id", "grain", "dim", "period"], name="insights_rollup_street"
            ),
            models.Index(
                fields=["level", "district_id", "grain", "dim", "period"], name="insights_rollup_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.unit_id} {self.grain} {self.period} {self.dim} {self.key}"


class CoveringUniqueConstraint(models.UniqueConstraint):
    """A unique key with INCLUDE columns where the database has covering indexes (PostgreSQL), and the same key
    without them elsewhere (SQLite) — Django would create none there, and ON CONFLICT needs the key."""

    def _here(self, schema_editor):
        if schema_editor.connection.features.supports_covering_indexes:
            return super()
        return models.UniqueConstraint(fields=self.fields, name=self.name)

    def constraint_sql(self, model, schema_editor):
        return self._here(schema_editor).constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        return self._here(schema_editor).create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        return self._here(schema_editor).remove_sql(model, schema_editor)

    def _check(self, model, connection):
        return [e for e in super()._check(model, connection) if e.id != "models.W039"]  # handled above


class Histogram(models.Model):
    """How many cases of a street or district and month took each hour / each minute to respond or resolve; a
    district's also per day, so its partial months are read from here too and never from its many facts."""

    level = ShortCodeField(choices=Level.choices)
    unit_id = models.IntegerField()
    grain = ShortCodeField(default="m")  # "m" month (period = first day), "d" day
    period = models.DateField()
    # "rh"/"rm": response time by whole hour / whole minute; "xh"/"xm": the same for resolution.
    kind = ShortCodeField()
    bucket = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("duration histogram")
        verbose_name_plural = _("duration histograms")
        constraints = [
            # n in the index: the medians sum histogram rows from the index alone.
            CoveringUniqueConstraint(
                fields=["level", "unit_id", "kind", "grain", "period", "bucket"],
                name="insights_hist_key",
                include=["n"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.unit_id} {self.grain} {self.period} {self.kind} {self.bucket}"


from .report_models import ReportKind, ReportRequest, ReportStatus  # noqa: E402,F401
