"""Pages of the knowledge base: search, read, keep answers; the suggestions while typing; answering a case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linli.cases.selectors import get_case_for_user
from linli.core.errors import DomainError
from linli.core.ratelimit import ALL, rate_limit

from . import selectors, services
from .forms import AnswerCaseForm, AnswerForm


def _staff(request) -> None:
    if not request.user.scope.is_staff_member:
        raise PermissionDenied


@login_required
def answer_list(request):
    _staff(request)
    q = request.GET.get("q", "").strip()[:200]
    if q:
        answers = [m.answer for m in selectors.rank(q, selectors.answers_for(request.user), k=30)]
    else:
        answers = list(selectors.answers_for(request.user))
    return render(
        request,
        "knowledge/list.html",
        {
            "answers": answers,
            "q": q,
            "may_add": selectors.editable_communities(request.user).exists() or request.user.scope.is_admin,
        },
    )


@login_required
def answer_detail(request, pk: int):
    _staff(request)
    answer = selectors.get_answer_for_user(request.user, pk)
    return render(
        request,
        "knowledge/detail.html",
        {"answer": answer, "may_edit": selectors.may_edit(request.user, answer.community)},
    )


def _edit(request, instance=None):
    _staff(request)
    communities = selectors.editable_communities(request.user)
    if instance is None and not (request.user.scope.is_admin or communities.exists()):
        raise PermissionDenied
    if instance is not None and not selectors.may_edit(request.user, instance.community):
        raise PermissionDenied
    if request.method == "POST":
        form = AnswerForm(request.POST, communities=communities)
        if form.is_valid():
            try:
                answer = services.answer_save(actor=request.user, instance=instance, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("The answer was saved."))
                return redirect("knowledge:detail", pk=answer.pk)
    else:
        initial = AnswerForm.initial_for(instance) if instance else {"community": communities.first()}
        form = AnswerForm(initial=initial, communities=communities)
    return render(request, "knowledge/edit.html", {"form": form, "answer": instance})


@login_required
def answer_add(request):
    return _edit(request)


@login_required
def answer_edit(request, pk: int):
    return _edit(request, selectors.get_answer_for_user(request.user, pk))


@login_required
@require_GET
@rate_limit("knowledge-suggest", "120/m", key=lambda g, r: str(r.user.pk), methods=ALL)
def suggest(request):
    """The htmx fragment under the intake form: the best answers for what the operator has typed so far."""
    if not request.user.scope.is_staff_member:
        raise Http404
    text = " ".join(request.GET.get(f, "") for f in ("title", "description", "q"))[:2000]
    return render(request, "knowledge/_suggest.html", {"matches": selectors.best_matches(text, request.user)})


@login_required
@require_POST
def answer_case(request, case_id: int):
    case = get_case_for_user(request.user, case_id)
    form = AnswerCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: %(e)s") % {"e": form.errors.as_text()})
        return redirect("cases:detail", pk=case.pk)
    answer = selectors.get_answer_for_user(request.user, form.cleaned_data["answer"])
    try:
        services.answer_case(
            answer=answer,
            case=case,
            actor=request.user,
            text=form.cleaned_data["text"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Answered directly; the case is closed."))
    return redirect("cases:detail", pk=case.pk)
