"""A volunteer's sign-in on their phone: the session holds the volunteer's id, set after an SMS code.

    @volunteer_required
    def my_page(request):
        request.volunteer  # the signed-in, active Volunteer

Pages for volunteers (this app's /volunteers/me/…, the activities app's sign-up and check-in pages) use the
decorator; a visitor without a volunteer session is sent to the sign-in page and brought back afterwards."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

SESSION_KEY = "volunteers.volunteer_id"


def current_volunteer(request):
    """The signed-in active volunteer of this session, or None."""
    from .models import Volunteer

    volunteer_id = request.session.get(SESSION_KEY)
    if not volunteer_id:
        return None
    volunteer = Volunteer.objects.filter(pk=volunteer_id, is_active=True).select_related("community").first()
    if volunteer is None:
        request.session.pop(SESSION_KEY, None)
    return volunteer


def sign_in(request, volunteer) -> None:
    """Start the volunteer's session under a new session key (SE-02)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = volunteer.pk


def sign_out(request) -> None:
    """End the volunteer's session; a staff sign-in in the same browser, if any, is left alone."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def login_url(next_url: str = "") -> str:
    url = reverse("volunteers:me_login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def volunteer_required(view):
    """For a volunteer signed in on their phone (sets ``request.volunteer``); others go to the sign-in page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        volunteer = current_volunteer(request)
        if volunteer is None:
            return redirect(login_url(request.get_full_path()))
        request.volunteer = volunteer
        return view(request, *args, **kwargs)

    return never_cache(wrapped)
