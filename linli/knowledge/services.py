"""Writes of the knowledge base: keeping answers, and answering a case from one (咨询直办)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.cases.models import Case, Category
from linli.cases.services import case_answer_directly
from linli.core.errors import Conflict, InvalidInput, NotAllowed
from linli.org.models import Community

from .models import Answer
from .selectors import may_edit


def answer_save(
    *,
    actor: User,
    question: str,
    answer: str,
    keywords: str = "",
    category: Category | None = None,
    community: Community | None = None,
    source: str = "",
    valid_until: date | None = None,
    is_active: bool = True,
    instance: Answer | None = None,
    read_at: datetime | None = None,
) -> Answer:
    """Add an answer, or edit one; secretaries within their communities, administrators anywhere.

    `read_at` is the answer's `updated_at` as the editor read it: an edit of a copy someone changed since is a 409
    (RE-02). The form sends it as a hidden field; without it the last writer wins."""
    if not question.strip():
        raise InvalidInput(_("Write the question."), field="question")
    if not answer.strip():
        raise InvalidInput(_("Write the answer."), field="answer")
    if instance is not None and not may_edit(actor, instance.community):
        raise NotAllowed(_("You may not edit this answer."), code="not_allowed")
    if not may_edit(actor, community):
        raise NotAllowed(
            _("You may not keep answers for this community."), field="community", code="not_allowed"
        )
    with transaction.atomic():
        if instance is not None:
            current = Answer.objects.select_for_update().get(pk=instance.pk)
            if read_at is not None and current.updated_at != read_at:
                raise Conflict(
                    _("Someone else changed this answer meanwhile; reload it and try again."),
                    field="read_at",
                    code="stale_version",
                )
        return _answer_write(
            instance, actor, question, answer, keywords, category, community, source, valid_until, is_active
        )


def _answer_write(
    instance, actor, question, answer, keywords, category, community, source, valid_until, is_active
) -> Answer:
    obj = instance or Answer()
    obj.question = question.strip()
    obj.answer = answer.strip()
    obj.keywords = " ".join(keywords.split())
    obj.category = category
    obj.community = community
    obj.source = source.strip()
    obj.valid_until = valid_until
    obj.is_active = is_active
    obj.updated_by = actor
    obj.save()
    return obj


def answer_case(
    *, answer: Answer, case: Case, actor: User, text: str = "", version: int | None = None
) -> Case:
    """直接答复: close a consultation with a knowledge-base answer (or the operator's edit of it), counting the use."""
    if not answer.is_current:
        raise InvalidInput(_("This answer is no longer valid."), field="answer")
    with transaction.atomic():
        case = case_answer_directly(
            case=case, actor=actor, answer=text.strip() or answer.answer, version=version, answer_id=answer.pk
        )
        Answer.objects.filter(pk=answer.pk).update(times_used=F("times_used") + 1)
    return case
