"""The 志愿服务记录证明 as a PDF (reportlab), with the WenQuanYi Zen Hei TrueType font embedded.

The certificate is a statutory document whose wording follows 民政部令第67号 (志愿服务记录与证明出具办法),
so its text is Chinese whatever language the page asking for it speaks."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from linli.core.validators import mask_id_number

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_NAME = "WQYZenHei"
TITLE = "志愿服务记录证明"
STAR_NAMES = {0: "未达星级", 1: "一星级", 2: "二星级", 3: "三星级", 4: "四星级", 5: "五星级"}

_font_lock = threading.Lock()


class FontMissing(RuntimeError):
    """The Chinese TrueType font is not installed (scripts/install-fonts.sh installs it)."""


def register_font() -> str:
    """Register the embedded Chinese font with reportlab once per process; its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, FONT_PATH, subfontIndex=0))
            except OSError as exc:  # reportlab raises TTFError (an OSError-like) when the file is missing
                raise FontMissing(f"{FONT_PATH} is missing; run scripts/install-fonts.sh") from exc
            except Exception as exc:
                if "Can't open file" in str(exc) or "No such file" in str(exc):
                    raise FontMissing(f"{FONT_PATH} is missing; run scripts/install-fonts.sh") from exc
                raise
    return FONT_NAME


@dataclass(frozen=True)
class CertificateLine:
    day: date
    content: str
    hours: Decimal
    organiser: str


@dataclass(frozen=True)
class CertificateData:
    number: str
    name: str
    id_number: str  # the full number: masked here, never printed in full
    registered_on: date
    period_start: date | None
    period_end: date
    hours: Decimal
    star: int
    lines: list[CertificateLine]
    issuer: str
    issued_on: date


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _hours_text(hours: Decimal) -> str:
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def escape(text: str) -> str:
    """Text for reportlab's paragraph markup: its three markup characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(data: CertificateData) -> bytes:
    """The certificate as PDF bytes (A4, as many pages as the records need)."""

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=24, leading=32, alignment=TA_CENTER, spaceAfter=4)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=13, alignment=TA_CENTER)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, firstLineIndent=24)
    plain = ParagraphStyle("plain", fontName=font, fontSize=11, leading=17)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    right = ParagraphStyle("right", fontName=font, fontSize=12, leading=20, alignment=2)

    period = (
        f"{_cn_date(data.period_start)}至{_cn_date(data.period_end)}"
        if data.period_start
        else f"注册之日起至{_cn_date(data.period_end)}"
    )
    star = STAR_NAMES.get(data.star, STAR_NAMES[0])
    statement = (
        f"兹证明 {escape(data.name)}（公民身份号码：{mask_id_number(data.id_number)}）于"
        f"{_cn_date(data.registered_on)}注册为志愿者，{period}期间参加志愿服务，经志愿服务组织确认，"
        f"累计志愿服务时间 <b>{_hours_text(data.hours)}</b> 小时，志愿者星级：{star}。"
    )
    basis = (
        "本证明依据《志愿服务记录与证明出具办法（试行）》（民政部令第67号）出具，证明内容以志愿服务记录为据，"
        "所载志愿服务信息真实、准确、完整。志愿服务时间指志愿者实际提供志愿服务的时间，以小时为计量单位，"
        "不包括往返交通时间。"
    )
    story = [
        Paragraph(TITLE, title),
        Paragraph(f"证明编号：{escape(data.number)}", small),
        Spacer(1, 8 * mm),
        Paragraph(statement, body),
        Spacer(1, 3 * mm),
        Paragraph(basis, body),
        Spacer(1, 6 * mm),
        Paragraph("志愿服务记录明细：", plain),
        Spacer(1, 2 * mm),
    ]
    rows = [[Paragraph(h, cell) for h in ("服务日期", "服务内容", "服务时长（小时）", "组织确认单位")]]
    for line in data.lines:
        rows.append(
            [
                Paragraph(line.day.isoformat(), cell),
                Paragraph(escape(line.content), cell),
                Paragraph(_hours_text(line.hours), cell),
                Paragraph(escape(line.organiser), cell),
            ]
        )
    if not data.lines:
        rows.append([Paragraph("—", cell), Paragraph("本期间无已确认的志愿服务记录", cell), "", ""])
    rows.append([Paragraph("合计", cell), "", Paragraph(_hours_text(data.hours), cell), ""])
    table = Table(rows, colWidths=[28 * mm, 82 * mm, 28 * mm, 42 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 12 * mm),
        Paragraph(f"出具单位：{escape(data.issuer)}（盖章）", right),
        Paragraph(f"出具日期：{_cn_date(data.issued_on)}", right),
    ]

    def _footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{TITLE} {data.number} · 第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} {data.number}",
        author=data.issuer,
    )
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def today() -> date:
    return timezone.localdate()
