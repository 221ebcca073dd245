"""The 志愿服务记录证明 PDF: Chinese text embedded with a TrueType font, real glyphs, the numbers right."""

from __future__ import annotations

from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.utils import timezone

from linli.core.errors import NotAllowed
from linli.core.models import AuditEntry
from linli.volunteers import services
from linli.volunteers.certificate import TITLE
from linli.volunteers.models import Certificate

from .conftest import at, hours_ago


def _text_and_page(content: bytes):
    pdf = pdfium.PdfDocument(content)
    page = pdf[0]
    textpage = page.get_textpage()
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return pdf, page, textpage, text


def _glyphs(page, textpage, start: int, count: int, scale: int = 3):
    """Per character from `start`: the share of dark pixels in its box, and the box's bitmap."""
    image = page.render(scale=scale).to_pil().convert("L")
    height = page.get_height()
    shares, bitmaps = [], []
    for i in range(start, start + count):
        left, bottom, right, top = textpage.get_charbox(i)
        assert right - left > 1 and top - bottom > 1  # a real box, not a zero-width glyph
        crop = image.crop(
            (
                int(left * scale),
                int((height - top) * scale),
                int(right * scale),
                int((height - bottom) * scale),
            )
        )
        pixels = crop.tobytes()
        shares.append(sum(1 for v in pixels if v < 128) / max(1, len(pixels)))
        bitmaps.append(bytes(1 if v < 128 else 0 for v in crop.resize((24, 24)).tobytes()))
    return shares, bitmaps


@pytest.fixture
def served(vol, world):
    start, end = hours_ago(48, 3)
    record = services.service_record_create(
        volunteer=vol.li,
        content="社区义剪",
        started_at=start,
        ended_at=end,
        hours="3",
        actor=world.owner,
        team=vol.team,
        confirm=True,
    )
    services.service_record_correct(
        record=record, actor=world.secretary, hours_delta="-0.5", reason="核对签到"
    )
    start, end = at(timezone.localdate() - timedelta(days=1))  # yesterday, local time, at any hour of today
    services.service_record_create(
        volunteer=vol.li,
        content="楼道清理",
        started_at=start,
        ended_at=end,
        hours="2",
        actor=world.owner,
        confirm=True,
    )
    # A draft is not certified.
    services.service_record_create(
        volunteer=vol.li,
        content="未确认",
        started_at=start,
        ended_at=end,
        hours="1",
        actor=world.owner,
    )
    return vol.li


def test_the_certificate_renders_chinese_glyphs(served, world):
    cert, content = services.certificate_issue(volunteer=served, actor=world.secretary)
    assert content.startswith(b"%PDF")
    pdf, page, textpage, text = _text_and_page(content)
    assert TITLE in text and "李秀兰" in text
    assert "120101********" in text and served.id_number not in text  # the ID number is masked
    assert "4.5" in text  # 3 − 0.5 + 2 confirmed hours; the draft is left out
    assert "社区义剪" in text and "楼道清理" in text and "未确认" not in text
    assert "红管家服务队" in text and "西宁道社区居民委员会" in text
    assert cert.number in text and "民政部令第67号" in text
    # The title's characters have real boxes with strokes in them, each different: glyphs, not empty or
    # tofu boxes (see the control below).
    shares, bitmaps = _glyphs(page, textpage, text.index(TITLE), len(TITLE))
    assert all(0.05 < share < 0.75 for share in shares), shares
    assert len(set(bitmaps)) == len(TITLE)


def test_the_glyph_check_fails_for_a_font_without_chinese_glyphs():
    """Control: the same title in Helvetica (no CJK glyphs) comes out as filled boxes the check refuses."""
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont("Helvetica", 24)
    c.drawString(100, 700, TITLE)
    c.save()
    page = pdfium.PdfDocument(out.getvalue())[0]
    textpage = page.get_textpage()
    assert TITLE not in textpage.get_text_range()
    shares, bitmaps = _glyphs(page, textpage, 0, len(TITLE))
    assert not all(0.05 < share < 0.75 for share in shares)
    assert len(set(bitmaps)) < len(TITLE)


def test_each_issue_is_numbered_and_audited(served, world):
    first, _ = services.certificate_issue(volunteer=served, actor=world.secretary)
    second, _ = services.certificate_issue(volunteer=served, actor=served)
    assert first.number != second.number and first.number.startswith("ZYFW-XND-")
    assert Certificate.objects.count() == 2
    entries = AuditEntry.objects.filter(event="volunteer_certificate")
    assert entries.count() == 2
    assert entries.filter(actor=world.secretary).exists()


def test_a_period_limits_the_records(served, world):
    today = timezone.localdate()
    cert, content = services.certificate_issue(
        volunteer=served, actor=world.secretary, start=today - timedelta(days=1), end=today
    )
    text = _text_and_page(content)[3]
    assert "楼道清理" in text and "社区义剪" not in text
    assert cert.hours == 2


def test_only_the_volunteer_themself_or_staff_in_scope(served, vol, world):
    with pytest.raises(NotAllowed):
        services.certificate_issue(volunteer=served, actor=vol.chen)
    with pytest.raises(NotAllowed):
        services.certificate_issue(volunteer=served, actor=world.outsider)
    cert, _ = services.certificate_issue(
        volunteer=served, actor=world.street
    )  # in the street officer's scope
    assert cert.pk


def test_markup_in_the_content_is_printed_as_text(vol, world):
    start, end = hours_ago(30, 2)
    services.service_record_create(
        volunteer=vol.chen,
        content="修理<b>灶具</b> & 检测",
        started_at=start,
        ended_at=end,
        hours="2",
        actor=world.owner,
        confirm=True,
    )
    _, content = services.certificate_issue(volunteer=vol.chen, actor=world.secretary)
    assert "修理<b>灶具</b> & 检测" in _text_and_page(content)[3]
