"""The intake page's suggestions while the text is typed: an HTML fragment for htmx, for staff only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from linli.cases.models import Category
from linli.core.ratelimit import rate_limit

from . import selectors


@require_GET
@login_required
@rate_limit("dispatch-suggest", "600/m", methods=None)
def suggest_fragment(request):
    if not request.user.scope.is_staff_member:
        raise Http404
    text = " ".join(request.GET.get(name, "") for name in ("title", "description")).strip()[:5000]
    answer = selectors.suggest(text)
    pks = dict(
        Category.objects.filter(code__in=[s["code"] for s in answer["suggestions"]]).values_list("code", "pk")
    )
    for suggestion in answer["suggestions"]:
        suggestion["pk"] = pks.get(suggestion["code"])
    return render(request, "dispatch/_suggestions.html", answer)
