"""The reporter's own pages on the phone: sign-in by SMS code, 随手拍 (photo first), their reports and points."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from linli.cases.models import Attachment
from linli.core.errors import DomainError
from linli.core.images import clean_photos
from linli.core.ratelimit import by_ip, rate_limit, too_many
from linli.core.uploads import check_uploads
from linli.core.validators import mask_phone, normalize_phone
from linli.public.selectors import public_timeline

from . import selectors, services
from .errors import TooManyReports
from .forms import CodeForm, PhoneForm, ReportForm

# The sign-in in progress: the phone's blind indexes and its masked form, never the number itself.
PENDING_LOGIN = "reporters.login"


def reporter_page(view):
    """For a signed-in active reporter (others are sent to the reporter sign-in, or 404), never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("reporters:login"))
        reporter = selectors.reporter_of(request.user)
        if reporter is None:
            raise Http404
        request.reporter = reporter
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def _posted_phone(group, request) -> str:
    return normalize_phone(request.POST.get("phone", ""))[:20] or by_ip(group, request)


def _pending_phone(group, request) -> str:
    pending = request.session.get(PENDING_LOGIN) or {}
    return (pending.get("indexes") or [""])[0] or by_ip(group, request)


@never_cache
@rate_limit("reporter-code-ip", "20/h")
@rate_limit("reporter-code-phone-day", "10/d", key=_posted_phone)
@rate_limit("reporter-code-phone", "1/m", key=_posted_phone)
def login_phone(request):
    """Ask for the phone; a code goes out if it is an active reporter's. The answer is the same either way."""
    if selectors.reporter_of(request.user) is not None:
        return redirect("reporters:home")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = normalize_phone(form.cleaned_data["phone"])
        services.login_code_send(phone=phone, request=request)
        request.session[PENDING_LOGIN] = {
            "indexes": selectors.login_phone_indexes(phone),
            "hint": mask_phone(phone),
        }
        return redirect("reporters:login_code")
    return render(request, "reporters/login.html", {"form": form})


@never_cache
@rate_limit("reporter-check-ip", "30/h")
@rate_limit("reporter-check-phone", "10/h", key=_pending_phone)
def login_code(request):
    """Enter the code from the SMS; the right one signs the reporter in (with a new session key)."""
    pending = request.session.get(PENDING_LOGIN)
    if not pending:
        return redirect("reporters:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reporter = services.login_code_check(
            phone_indexes=pending["indexes"],
            code=form.cleaned_data["code"],
            phone_hint=pending["hint"],
            request=request,
        )
        if reporter is not None:
            login(request, reporter.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.pop(PENDING_LOGIN, None)
            return redirect("reporters:home")
        form.add_error("code", _("This code is wrong or no longer valid. You can ask for a new one."))
    return render(request, "reporters/login_code.html", {"form": form, "hint": pending["hint"]})


@reporter_page
def home(request):
    reporter = request.reporter
    return render(
        request,
        "reporters/home.html",
        {
            "reporter": reporter,
            "tally": selectors.tally_of(reporter.user_id),
            "balance": selectors.balance_of(reporter),
            "reports": selectors.my_reports(request.user)[:20],
            "ledger": selectors.ledger_of(reporter)[:10],
        },
    )


@reporter_page
def report_new(request):
    """随手拍: photos first, then what it is, a few words and where; one tap to send."""
    reporter = request.reporter
    form = ReportForm(request.POST or None, request.FILES or None, reporter=reporter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            photos = clean_photos(check_uploads(data["photos"]))
            report = services.report_submit(
                reporter=reporter,
                category=data["category"],
                description=data["description"],
                photos=photos,
                lat=data["lat"],
                lon=data["lon"],
                building=data["building"],
            )
        except TooManyReports as exc:
            return too_many(request, exc.retry_after)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(
                request, _("Thank you! Your report %(n)s was received.") % {"n": report.case.number}
            )
            if report.far_flag is not None:
                messages.warning(
                    request,
                    _(
                        "The photo was taken far from the place you gave. Staff will check it before the "
                        "points are given."
                    ),
                )
            return redirect("reporters:report", pk=report.case.pk)
    return render(request, "reporters/report_new.html", {"form": form, "reporter": reporter})


@reporter_page
def report_detail(request, pk: int):
    case = selectors.get_my_report(request.user, pk)
    photos = Attachment.objects.filter(case=case, uploaded_by=request.user, content_type__startswith="image/")
    return render(
        request,
        "reporters/report_detail.html",
        {"case": case, "steps": public_timeline(case), "photos": photos},
    )
