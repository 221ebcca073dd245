"""The life of an action item: open → done with evidence → confirmed (销号), sent back, overdue once."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.conftest import png_bytes
from linli.core.errors import Conflict, NotAllowed
from linli.core.models import AuditEntry, Notification
from linli.core.uploads import check_uploads
from linli.deliberation import services
from linli.deliberation.choices import ActionEventKind, ActionStatus
from linli.deliberation.models import ActionItem, EvidencePhoto

from .conftest import at

pytestmark = pytest.mark.django_db


def photo():
    return check_uploads([SimpleUploadedFile("door.png", png_bytes(), content_type="image/png")])


def test_the_owner_reports_done_with_photos_and_the_secretary_closes_it_out(world, decided):
    *_, item = decided()
    assert Notification.objects.filter(recipient=world.dept, kind="action_item").count() == 1
    item = services.action_item_done(
        item=item, actor=world.dept, note="新门已装好", version=1, photos=photo()
    )
    assert item.status == ActionStatus.DONE and item.done_by == world.dept
    stored = EvidencePhoto.objects.get(action_item=item)
    assert stored.stored_name.endswith(".jpg") and "door" not in stored.file.name
    assert Notification.objects.filter(recipient=world.secretary, kind="action_item_done").exists()

    item = services.action_item_confirm(item=item, actor=world.secretary, version=item.version)
    assert item.status == ActionStatus.CONFIRMED and item.confirmed_by == world.secretary
    assert [e.kind for e in item.events.all()] == [
        ActionEventKind.CREATE,
        ActionEventKind.DONE,
        ActionEventKind.CONFIRM,
    ]
    assert AuditEntry.objects.filter(event="action_item_confirm", object_id=str(item.pk)).count() == 1


def test_a_sent_back_item_is_open_again_and_its_owner_is_told(world, decided):
    *_, item = decided()
    item = services.action_item_done(item=item, actor=world.dept, note="已联系厂家")
    item = services.action_item_send_back(item=item, actor=world.secretary, note="门还没换")
    assert item.status == ActionStatus.OPEN and item.sent_back_count == 1
    assert Notification.objects.filter(recipient=world.dept, kind="action_item_sent_back").exists()
    item = services.action_item_done(item=item, actor=world.dept, note="新门已装好")
    assert item.status == ActionStatus.DONE


def test_only_the_owner_reports_done_and_only_the_secretary_confirms(world, decided):
    *_, item = decided()
    with pytest.raises(NotAllowed):
        services.action_item_done(item=item, actor=world.water_dept, note="x")
    item = services.action_item_done(item=item, actor=world.dept, note="done")
    with pytest.raises(NotAllowed):
        services.action_item_confirm(item=item, actor=world.dept)
    with pytest.raises(NotAllowed):
        services.action_item_confirm(item=item, actor=world.outsider_secretary)


def test_an_open_item_cannot_be_confirmed_and_a_stale_version_conflicts(world, decided):
    *_, item = decided()
    with pytest.raises(Conflict):
        services.action_item_confirm(item=item, actor=world.secretary)
    with pytest.raises(Conflict) as exc:
        services.action_item_done(item=item, actor=world.dept, note="x", version=item.version + 1)
    assert exc.value.code == "stale_version"


def test_the_sweep_marks_an_overdue_item_once_and_tells_owner_and_secretary(world, decided):
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        *_, item = decided(deadline=date(2026, 3, 4))
    with time_machine.travel(at(date(2026, 3, 4)), tick=False):
        assert services.deliberation_sweep() == 0  # due today: not late yet
    with time_machine.travel(at(date(2026, 3, 5)), tick=False):
        assert services.deliberation_sweep() == 1
        assert services.deliberation_sweep() == 0
    item.refresh_from_db()
    assert item.overdue_at is not None
    overdue = Notification.objects.filter(kind="action_item_overdue")
    assert set(overdue.values_list("recipient", flat=True)) == {world.dept.pk, world.secretary.pk}
    assert overdue.count() == 2
    assert ActionItem.objects.overdue(date(2026, 3, 5)).get() == item


def test_the_sweep_reminds_the_owner_once_the_day_before_and_skips_items_done(world, decided):
    with time_machine.travel(at(date(2026, 3, 2)), tick=False):
        *_, item = decided(deadline=date(2026, 3, 4))
        *_, done = decided(deadline=date(2026, 3, 3))
        services.action_item_done(item=done, actor=world.dept, note="ok")
    with time_machine.travel(at(date(2026, 3, 3)), tick=False):
        services.deliberation_sweep()
        services.deliberation_sweep()
    reminders = Notification.objects.filter(kind="action_item_reminder")
    assert reminders.count() == 1 and item.title in reminders.get().message
    with time_machine.travel(at(date(2026, 3, 10)), tick=False):
        assert services.deliberation_sweep(now=None) == 1  # only the open one is late
    assert not ActionItem.objects.filter(pk=done.pk, overdue_at__isnull=False).exists()
