"""PDF documents of the reports (reportlab), with the WenQuanYi Zen Hei font embedded and charts drawn in place."""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from .reports import THREE_RATES

FONT = "WQYZenHei"
FONT_PATH = getattr(settings, "INSIGHTS_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
# The official names of the two documents: the Chinese name is part of the title in every language.
OFFICIAL = {"monthly": "社区月报", "ranking": "社区排名"}
SERIES_COLOURS = [colors.HexColor("#1f5fa8"), colors.HexColor("#2e8b57"), colors.HexColor("#d9822b")]
WIDTH = A4[0] - 36 * mm

FULL = {"full": "100 %"}  # a placeholder, so that gettext does not read "% i" as a format directive


def register_font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    register_font()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=22, leading=28, alignment=TA_CENTER, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def title_of(kind: str) -> str:
    """The document's title: its official Chinese name, followed by its name in another active language."""
    local = {"monthly": _("Monthly community report"), "ranking": _("Street ranking")}[kind]
    official = OFFICIAL[kind]
    return (
        official if (get_language() or "").startswith("zh") or local == official else f"{official} · {local}"
    )


def fmt(value, is_rate: bool) -> str:
    if value is None:
        return "–"
    if is_rate:
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(rows: list[list], styles, *, widths=None, header=True) -> Table:
    cell = styles["cell"]
    data = [[c if isinstance(c, Flowable) else _p(c, cell) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c2cc")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f3")))
    table.setStyle(TableStyle(commands))
    return table


def _axis_font(chart) -> None:
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7


def _legend(x, y, names) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.alignment = "right"  # the swatch first, its name to the right
    legend.columnMaximum = 1  # one row: a column per series
    legend.dx, legend.dy, legend.deltax, legend.dxTextSpace = 8, 8, 95, 4
    legend.colorNamePairs = list(zip(SERIES_COLOURS, names, strict=False))
    return legend


def _caption(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 10, text, fontName=FONT, fontSize=9))


def trend_charts(trend: list[dict]) -> list[Drawing]:
    """Cases received per month (bars) and the three rates per month (lines)."""
    labels = [row["period"][:7] for row in trend]
    bars = Drawing(WIDTH, 150)
    _caption(bars, _("Cases received per month"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, WIDTH - 40, 110
    chart.data = [[row["received"] for row in trend] or [0]]
    chart.categoryAxis.categoryNames = labels
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = SERIES_COLOURS[0]
    _axis_font(chart)
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.dy = -6
    bars.add(chart)

    lines = Drawing(WIDTH, 170)
    _caption(lines, _("The three rates per month (%)"))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 30, WIDTH - 40, 110
    # A month without cases has no rate: drawn at 0 would be a lie, so the line skips it (None).
    chart.data = [[row[key] for row in trend] for key in THREE_RATES]
    chart.categoryAxis.categoryNames = labels
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    for i, colour in enumerate(SERIES_COLOURS):
        points = sum(1 for v in chart.data[i] if v is not None)
        # A line needs two points: a lone month is its marker only.
        chart.lines[i].strokeColor = colour if points >= 2 else None
        chart.lines[i].strokeWidth = 1.5
        chart.lines[i].symbol = makeMarker("FilledCircle", size=3, fillColor=colour, strokeColor=colour)
    _axis_font(chart)
    lines.add(chart)
    lines.add(_legend(WIDTH - 300, 166, [_("Response rate"), _("Resolution rate"), _("Satisfaction rate")]))
    return [bars, lines]


def category_chart(categories: list[dict], limit: int = 8) -> Drawing:
    """The category mix: cases received per category, the largest first."""
    rows = categories[:limit][::-1]
    height = 40 + 16 * max(1, len(rows))
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 120, 10, WIDTH - 140, height - 30
    chart.data = [[r["received"] for r in rows] or [0]]
    chart.categoryAxis.categoryNames = [r["name"][:16] for r in rows] or [""]
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = SERIES_COLOURS[1]
    _axis_font(chart)
    drawing.add(chart)
    return drawing


def ranking_chart(rows: list[dict]) -> Drawing:
    """The three rates of each community, side by side."""
    drawing = Drawing(WIDTH, 200)
    _caption(drawing, _("The three rates by community (%)"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 35, WIDTH - 40, 130
    chart.data = [[(r[key] or 0) for r in rows] or [0] for key in THREE_RATES]
    chart.categoryAxis.categoryNames = [r["name"][:10] for r in rows] or [""]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    for i, colour in enumerate(SERIES_COLOURS):
        chart.bars[i].fillColor = colour
    _axis_font(chart)
    chart.categoryAxis.labels.angle = 20
    chart.categoryAxis.labels.dy = -8
    drawing.add(chart)
    drawing.add(_legend(WIDTH - 300, 196, [_("Response rate"), _("Resolution rate"), _("Satisfaction rate")]))
    return drawing


def _build(story: list, *, title: str, author: str) -> bytes:
    out = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{title} · {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _header(story, styles, kind: str, unit_name: str, start: date, end: date, version: str) -> str:
    title = title_of(kind)
    story.append(_p(title, styles["title"]))
    story.append(_p(unit_name, styles["subtitle"]))
    period = _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
    story.append(_p(period, styles["subtitle"]))
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    story.append(
        _p(
            _("Definitions version %(version)s · made %(made)s") % {"version": version, "made": made},
            styles["small"],
        )
    )
    story.append(Spacer(1, 6))
    return title


def monthly_pdf(data: dict) -> bytes:
    """The 社区月报 of reports.monthly_report(...)."""
    styles = _styles()
    story: list = []
    unit = data["unit"]
    title = _header(story, styles, "monthly", unit.name, data["start"], data["end"], data["version"])

    story.append(_p(_("The figures"), styles["h2"]))
    rows = [[_("Figure"), _("Value"), _("Definition")]]
    for r in data["rows"]:
        value = fmt(r["value"], r["is_rate"])
        if r["perfect"]:
            value += " *"
        rows.append([r["label"], value, _p(r["text"], styles["small"])])
    story.append(_table(rows, styles, widths=[38 * mm, 22 * mm, WIDTH - 60 * mm]))
    if any(r["perfect"] for r in data["rows"]):
        story.append(
            _p(
                _("* A rate of exactly %(full)s is marked for review, not celebrated.") % FULL,
                styles["small"],
            )
        )

    story.append(_p(_("Trend of the last 12 months"), styles["h2"]))
    story.extend(trend_charts(data["trend"]))

    story.append(_p(_("Category mix"), styles["h2"]))
    story.append(category_chart(data["categories"]))

    story.append(_p(_("Top recurring problems"), styles["h2"]))
    rows = [[_("Category"), _("Cases received"), _("Response rate"), _("Resolution rate")]]
    for r in data["top_problems"]:
        rows.append(
            [r["name"], r["received"], fmt(r["response_rate"], True), fmt(r["resolution_rate"], True)]
        )
    if len(rows) == 1:
        rows.append([_("No cases in this month."), "", "", ""])
    story.append(_table(rows, styles))

    story.append(_p(_("Departments' record on whistles"), styles["h2"]))
    rows = [
        [
            _("Department"),
            _("Whistles"),
            _("Median report-in time"),
            _("Median answer time"),
            _("Community's rating"),
        ]
    ]
    for r in data["departments"]:
        rows.append(
            [
                r["name"],
                r["whistles"],
                fmt(r["median_report_in_minutes"], False),
                fmt(r["median_answer_minutes"], False),
                fmt(r["acceptance_rate"], True),
            ]
        )
    if len(rows) == 1:
        rows.append([_("No whistles in this month."), "", "", "", ""])
    story.append(_table(rows, styles))
    story.append(_p(_("Times in minutes."), styles["small"]))

    story.append(_p(_("Overdue cases"), styles["h2"]))
    rows = [[_("Case number"), _("Category"), _("Grid"), _("Received"), _("Due"), _("Days late")]]
    for r in data["overdue"]:
        rows.append(
            [
                r["number"],
                r["category"],
                r["grid"],
                r["received"].isoformat(),
                r["due"].isoformat(),
                r["days_late"],
            ]
        )
    if len(rows) == 1:
        rows.append([_("No case of this month is overdue."), "", "", "", "", ""])
    story.append(_table(rows, styles))

    if data["linkages"]:
        block = [_p(_("Five-party linkage: volunteers, activities and donations"), styles["h2"])]
        rows = [[_("Figure"), _("Value")]] + [[label, value] for label, value in data["linkages"]]
        block.append(_table(rows, styles, widths=[80 * mm, 40 * mm]))
        story.append(KeepTogether(block))
    return _build(story, title=f"{title} {unit.name}", author=str(_("Linli")))


def ranking_pdf(data: dict) -> bytes:
    """The 社区排名 of reports.street_ranking(...)."""
    styles = _styles()
    story: list = []
    unit = data["unit"]
    title = _header(story, styles, "ranking", unit.name, data["start"], data["end"], data["version"])
    story.append(ranking_chart(data["rows"]))
    story.append(Spacer(1, 6))
    labels = data["labels"]
    rows = [
        [
            _("Place"),
            _("Community"),
            _("Cases received"),
            labels["response_rate"],
            labels["resolution_rate"],
            labels["satisfaction_rate"],
            _("Mean rank"),
        ]
    ]
    for r in data["rows"]:
        cells = []
        for key in THREE_RATES:
            text = f"{fmt(r[key], True)} ({r['ranks'][key]})"
            if key in r["perfect"]:
                text += " *"
            cells.append(text)
        rows.append([r["place"], r["name"], r["received"], *cells, f"{r['mean_rank']:g}"])
    if len(rows) == 1:
        rows.append([_("No cases in this period."), "", "", "", "", "", ""])
    story.append(_table(rows, styles))
    story.append(
        _p(
            _(
                "Each rate is followed by the community's rank by it; communities are placed by the mean of their "
                "three ranks. * A rate of exactly %(full)s is marked for review, not celebrated."
            )
            % FULL,
            styles["small"],
        )
    )
    story.append(_p(_("Definitions"), styles["h2"]))
    for key in THREE_RATES:
        story.append(_p(f"{labels[key]}: {data['texts'][key]}", styles["small"]))
    return _build(story, title=f"{title} {unit.name}", author=str(_("Linli")))
