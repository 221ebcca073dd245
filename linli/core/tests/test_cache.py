"""ProcessCache: what it keeps, for how long, and what makes it forget (the rules in linli/core/cache.py)."""

import threading

import pytest
from django.db import connection, transaction

from linli.core.cache import ProcessCache
from linli.org.models import District

pytestmark = pytest.mark.django_db(transaction=True)  # real commits and rollbacks


@pytest.fixture
def districts():
    """A cache of district names by code, watching District, with a counter of database reads."""
    reads = []

    def load(code):
        reads.append(code)
        return District.objects.filter(code=code).values_list("name", flat=True).first()

    cache = ProcessCache(f"test-{id(reads)}", ttl=5.0, watch=["org.District"])
    cache.reads = reads
    cache.name_of = lambda code: cache.get(code, load)
    return cache


def test_a_value_is_kept_for_ttl_seconds_then_read_again(districts, cache_clock):
    District.objects.create(code="120101", name="和平区")
    assert districts.name_of("120101") == "和平区"
    cache_clock.now += 4.9
    assert districts.name_of("120101") == "和平区"
    assert len(districts.reads) == 1
    District.objects.filter(code="120101").update(name="新和平区")  # no signal: as if another process did it
    assert districts.name_of("120101") == "和平区"
    cache_clock.now += 0.2
    assert districts.name_of("120101") == "新和平区"
    assert len(districts.reads) == 2


def test_a_miss_is_not_kept(districts, cache_clock):
    assert districts.name_of("120101") is None
    District.objects.filter(code="x").update(name="y")  # nothing, and no signal
    District.objects.bulk_create([District(code="120101", name="和平区")])  # bulk_create sends no signal
    assert districts.name_of("120101") == "和平区"


def test_a_save_or_delete_in_this_process_is_seen_at_once(districts, cache_clock):
    district = District.objects.create(code="120101", name="和平区")
    assert districts.name_of("120101") == "和平区"
    district.name = "新和平区"
    district.save()
    assert districts.name_of("120101") == "新和平区"
    district.delete()
    assert districts.name_of("120101") is None


def test_own_uncommitted_changes_are_read_through_and_never_kept(districts, cache_clock):
    District.objects.create(code="120101", name="和平区")
    assert districts.name_of("120101") == "和平区"
    with transaction.atomic():
        District.objects.filter(code="120101").get().delete()
        District.objects.create(code="120101", name="未提交")
        assert districts.name_of("120101") == "未提交"  # this thread sees its own change…
        assert districts.name_of("120101") == "未提交"
        transaction.set_rollback(True)
    assert districts.reads == ["120101"] * 3  # …read through every time, never cached
    assert districts.name_of("120101") == "和平区"  # and the rollback leaves nothing stale behind


def test_the_commit_clears_what_other_threads_read_meanwhile(districts, cache_clock):
    District.objects.create(code="120101", name="和平区")

    def read_in_another_thread() -> str | None:
        result = []

        def run():
            try:
                result.append(districts.name_of("120101"))
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return result[0]

    with transaction.atomic():
        district = District.objects.get(code="120101")
        district.name = "新和平区"
        district.save()
        assert read_in_another_thread() == "和平区"  # the committed name, and now cached
    assert districts.name_of("120101") == "新和平区"


def test_a_read_that_overlaps_a_change_is_not_kept(districts, cache_clock):
    district = District.objects.create(code="120101", name="和平区")

    def load_while_someone_saves(code):
        name = District.objects.get(code=code).name
        district.name = "新和平区"
        district.save()  # lands between our read and our store
        return name

    assert districts.get("120101", load_while_someone_saves) == "和平区"
    assert districts.name_of("120101") == "新和平区"
