"""Sign-in in steps (password → second factor or enrolment → forced password change → session), sign-out, and
the user's own account page: password, phone, second factor, sessions."""

from __future__ import annotations

import base64
import time

import django_otp
from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from linli.core.audit import audit
from linli.core.errors import DomainError
from linli.public.posters import qr_svg

from . import security, services, sessions
from .choices import SEPARATED_ROLES
from .forms import ChangePasswordForm, CodeForm, NewPasswordForm, PhoneForm, SignInForm
from .models import User, UserSession

PENDING = "linli_pending_sign_in"
PENDING_SECONDS = 300  # the steps after the password must be finished within five minutes
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _default_target(user) -> str:
    if user.scope.roles & SEPARATED_ROLES or (user.is_superuser and not user.scope.roles):
        return reverse("admin:index")
    return reverse(settings.LOGIN_REDIRECT_URL)


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _pending(request):
    """(pending state, its user) of a sign-in between its steps, or (None, None) once it is stale or locked."""
    state = request.session.get(PENDING)
    if not state or time.time() - state.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = User.objects.filter(pk=state["uid"], is_active=True).first()
    if user is None or security.is_locked(user.get_username()):
        request.session.pop(PENDING, None)
        return None, None
    return state, user


def _advance(request, state: dict, user: User):
    """Send the sign-in to its next step, or finish it."""
    if state["mfa"] and not state.get("device"):
        state["step"] = "verify" if security.confirmed_device(user) else "enrol"
    elif security.must_change_password(user) and not state.get("changed"):
        state["step"] = "change"
    else:
        return _finish(request, state, user)
    request.session[PENDING] = state
    return redirect(f"accounts:sign_in_{state['step']}")


def _finish(request, state: dict, user: User):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    request.session.pop(PENDING, None)
    device = (
        TOTPDevice.objects.filter(pk=state.get("device"), user=user).first() if state.get("device") else None
    )
    login(request, user, backend=BACKEND)  # a new session key (SE-02)
    if device is not None:
        django_otp.login(request, device)
    security.sign_in_succeeded(request, user, method="password", device=device)
    return redirect(state.get("next") or _default_target(user))


@sensitive_post_parameters("password", "otp")
@csrf_protect
@never_cache
def sign_in(request):
    """Step one: username and password (and the code, when the form carries it)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and request.user.is_authenticated and not next_url:
        return redirect(_default_target(request.user))
    form = SignInForm(request.POST or None)
    refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check = security.check_password_sign_in(request, data["username"], data["password"])
        if check.user is None:
            refused = True
        else:
            user = check.user
            state = {
                "uid": user.pk,
                "at": time.time(),
                "next": next_url,
                "mfa": security.needs_second_factor(user),
            }
            if state["mfa"] and data.get("otp") and security.confirmed_device(user):
                device = security.verify_otp(user, data["otp"])
                if device is None:
                    security.otp_failed(request, user, method="password")
                    refused = True
                else:
                    state["device"] = device.pk
            if not refused:
                return _advance(request, state, user)
    elif request.method == "POST":
        refused = True
    status = 200
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": next_url, "refused": refused, "message": security.SIGN_IN_REFUSED},
        status=status,
    )


@sensitive_post_parameters("otp")
@csrf_protect
@never_cache
def sign_in_verify(request):
    """Step two: the code from the user's authenticator app (each code works once)."""
    state, user = _pending(request)
    if state is None or state.get("step") != "verify":
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = security.verify_otp(user, form.cleaned_data["otp"])
        if device is not None:
            state["device"] = device.pk
            return _advance(request, state, user)
        security.otp_failed(request, user, method="password")
        if security.is_locked(user.get_username()):
            request.session.pop(PENDING, None)
            return redirect("login")
        form.add_error("otp", _("This code is not right, or it was used already. Wait for the next one."))
    return render(request, "accounts/sign_in_verify.html", {"form": form})


def _enrol_context(request, user, device, form):
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return {"form": form, "qr": qr_svg(device.config_url), "secret": secret, "who": user}


@sensitive_post_parameters("otp")
@csrf_protect
@never_cache
def sign_in_enrol(request):
    """Step two for a user without a device while MFA is required: scan, then confirm with a code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    state, user = _pending(request)
    if state is None or state.get("step") != "enrol":
        return redirect("login")
    device = TOTPDevice.objects.filter(pk=state.get("enrol_device"), user=user, confirmed=False).first()
    if device is None:
        device = services.mfa_start(user=user)
        state["enrol_device"] = device.pk
        request.session[PENDING] = state
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.mfa_confirm(user=user, device=device, token=form.cleaned_data["otp"], request=request):
            state["device"] = device.pk
            return _advance(request, state, user)
        form.add_error("otp", _("This code is not right. Check the app's clock and try the next code."))
    return render(request, "accounts/sign_in_enrol.html", _enrol_context(request, user, device, form))


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def sign_in_change(request):
    """Last step when the password is an initial one or has expired: choose a new one."""
    state, user = _pending(request)
    if state is None or state.get("step") != "change":
        return redirect("login")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                current_password=None,
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except DomainError as exc:
            form.add_error("new_password1", str(exc.message))
        else:
            state["changed"] = True
            return _advance(request, state, user)
    expired = not user.must_change_password
    return render(request, "accounts/sign_in_change.html", {"form": form, "expired": expired})


@csrf_protect
def sign_out(request):
    """POST only: the server session is deleted and the browser told to forget what it kept (SE-02)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    key = request.session.session_key
    if request.user.is_authenticated:
        audit("logout", request=request, obj=request.user)
    logout(request)
    sessions.forget(key)
    response = redirect(settings.LOGOUT_REDIRECT_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@login_required
@never_cache
def my_account(request):
    """The user's own account: phone (needs the password), second factor, sessions."""
    user = request.user
    phone_form = PhoneForm(request.POST or None, initial={"phone": user.phone}, prefix="phone")
    if request.method == "POST" and phone_form.is_valid():
        try:
            services.phone_change(
                user=user,
                current_password=phone_form.cleaned_data["current_password"],
                phone=phone_form.cleaned_data["phone"],
                request=request,
            )
        except DomainError as exc:
            phone_form.add_error(exc.field if exc.field in phone_form.fields else None, str(exc.message))
        else:
            from django.contrib import messages

            messages.success(request, _("Your phone number is saved."))
            return redirect("accounts:me")
    context = {
        "phone_form": phone_form,
        "device": security.confirmed_device(user),
        "sessions": UserSession.objects.filter(user=user),
        "current_key": request.session.session_key,
        "mfa_required": security.mfa_required(),
    }
    return render(request, "accounts/me.html", context)


@login_required
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@never_cache
def change_password(request):
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        try:
            user = services.password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
                keep_session=old_key,
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else "new_password1"
            form.add_error(field, str(exc.message))
        else:
            update_session_auth_hash(request, user)  # this session stays signed in, with a new key
            UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
            from django.contrib import messages

            messages.success(request, _("Your password is changed. Your other sessions were signed out."))
            return redirect("accounts:me")
    return render(request, "accounts/change_password.html", {"form": form})


@login_required
@sensitive_post_parameters("otp")
@never_cache
def mfa_enrol(request):
    """Set up (or replace) the authenticator app of the signed-in user."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    device = TOTPDevice.objects.filter(
        pk=request.session.get("linli_enrol_device"), user=user, confirmed=False
    ).first()
    if device is None:
        device = services.mfa_start(user=user)
        request.session["linli_enrol_device"] = device.pk
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.mfa_confirm(user=user, device=device, token=form.cleaned_data["otp"], request=request):
            request.session.pop("linli_enrol_device", None)
            django_otp.login(request, device)
            from django.contrib import messages

            messages.success(request, _("Two-factor sign-in is set up."))
            return redirect("accounts:me")
        form.add_error("otp", _("This code is not right. Check the app's clock and try the next code."))
    return render(request, "accounts/mfa_enrol.html", _enrol_context(request, user, device, form))


@login_required
def sign_out_others(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = services.sessions_kill(
        actor=request.user, user=request.user, request=request, keep=request.session.session_key
    )
    from django.contrib import messages

    messages.success(request, _("Signed out %(n)d other sessions.") % {"n": count})
    return redirect("accounts:me")
