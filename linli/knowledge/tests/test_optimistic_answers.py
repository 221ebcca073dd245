"""RE-02 in the knowledge base: two secretaries editing one answer never overwrite each other silently."""

from datetime import timedelta

import pytest

from linli.core.errors import Conflict
from linli.knowledge import services
from linli.knowledge.models import Answer

pytestmark = pytest.mark.django_db


def _edit(world, answer, text, read_at):
    return services.answer_save(
        actor=world.secretary,
        question=answer.question,
        answer=text,
        community=world.xiningdao,
        instance=answer,
        read_at=read_at,
    )


def test_an_edit_of_a_copy_changed_meanwhile_is_refused_and_the_first_edit_kept(world):
    answer = services.answer_save(
        actor=world.secretary, question="居住证怎么办？", answer="带身份证到社区。", community=world.xiningdao
    )
    read_by_both = answer.updated_at
    first = _edit(world, Answer.objects.get(pk=answer.pk), "带身份证和租房合同到社区服务站。", read_by_both)
    with pytest.raises(Conflict) as exc:
        _edit(world, Answer.objects.get(pk=answer.pk), "去派出所。", read_by_both)
    assert exc.value.code == "stale_version"
    assert Answer.objects.get(pk=answer.pk).answer == first.answer
    # Reading again gives the current stamp, and the edit goes through.
    fresh = Answer.objects.get(pk=answer.pk)
    assert _edit(world, fresh, "去派出所。", fresh.updated_at).answer == "去派出所。"
    assert fresh.updated_at - read_by_both >= timedelta(0)
