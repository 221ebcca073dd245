"""The case page's possible duplicates: an HTML fragment loaded by htmx, for staff who may see the case."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from linli.cases.choices import Action
from linli.cases.selectors import get_case_for_user
from linli.cases.workflow import allowed_actions

from .duplicates import find_duplicates


@require_GET
@login_required
def duplicates_fragment(request, pk: int):
    if not request.user.scope.is_staff_member:
        raise Http404
    case = get_case_for_user(request.user, pk)
    candidates = find_duplicates(case, viewer=request.user)
    can_merge = Action.MERGE in allowed_actions(request.user, case) if candidates else False
    return render(
        request,
        "dispatch/_duplicates.html",
        {"case": case, "candidates": candidates, "can_merge": can_merge},
    )
