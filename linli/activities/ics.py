"""The community's public .ics feed (icalendar): title, time, place and kind of each public occurrence, never a
person. A skipped occurrence stays in the feed as CANCELLED so subscribed calendars drop it."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .choices import OccurrenceStatus
from .selectors import feed_occurrences


def community_feed(community, *, request=None, now: datetime | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Linli//activities//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{community.name} · 社区活动")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = now or timezone.now()
    host = settings.LINLI_PUBLIC_BASE_URL.split("//", 1)[-1].split("/", 1)[0] or "linli"
    for occ in feed_occurrences(community, now=now):
        event = Event()
        event.add("uid", f"activity-{occ.activity_id}-{occ.original_start:%Y%m%dT%H%M%SZ}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", occ.starts_at)
        event.add("dtend", occ.ends_at)
        event.add("summary", occ.activity.title)
        if occ.where:
            event.add("location", occ.where)
        event.add("categories", [occ.activity.get_kind_display()])
        if occ.status == OccurrenceStatus.SKIPPED:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        event.add("sequence", occ.version - 1)
        cal.add_component(event)
    return cal.to_ical()
