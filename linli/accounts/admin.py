"""Accounts in the admin site: what each separated administrator may do there (AC-05), through the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core.errors import DomainError

from . import services
from .choices import SEPARATED_ROLES
from .models import RoleAssignment, SignInLock, User, UserSession


class RoleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        roles = [
            form.cleaned_data.get("role")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(roles) > 1 and set(roles) & SEPARATED_ROLES:
            raise ValidationError(
                _("System, security and audit administrators hold that one role and no other.")
            )


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    formset = RoleFormSet
    extra = 0


class UserCreationForm(forms.ModelForm):
    """No password field: the account gets a random initial password (AU-05)."""

    class Meta:
        model = User
        fields = ["username", "display_name", "phone", "email"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "display_name", "is_active", "last_login"]
    fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (gettext_lazy("Linli"), {"fields": ["display_name", "phone", "email"]}),
        (gettext_lazy("Status"), {"fields": ["is_active", "is_staff", "must_change_password", "last_login"]}),
    )
    break_glass_fieldsets = ((gettext_lazy("Break-glass"), {"fields": ["is_superuser"]}),)
    add_form = UserCreationForm
    add_fieldsets = ((None, {"fields": ["username", "display_name", "phone", "email"]}),)
    readonly_fields = ["last_login", "must_change_password"]
    actions = ["kill_sessions", "reset_mfa", "reset_password"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        if request.user.is_superuser:
            return self.fieldsets + self.break_glass_fieldsets
        return self.fieldsets

    def has_change_permission(self, request, obj=None):
        # The three administrators' own accounts are changed only by break-glass, never by one of them.
        if obj is not None and not request.user.is_superuser and obj.scope.roles & SEPARATED_ROLES:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            if "is_active" in form.changed_data and not obj.is_active:
                super().save_model(request, obj, form, change)
                from linli.core.audit import audit

                audit("user_disabled", request=request, obj=obj, reason="admin")
                return
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        user, initial = services.user_create_by_admin(
            actor=request.user,
            username=data["username"],
            display_name=data.get("display_name", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            request=request,
        )
        obj.pk, obj._state.adding, obj._state.db = user.pk, False, "default"
        messages.warning(
            request,
            _("Initial password for %(user)s (shown once; it must be changed within %(h)d hours): %(pw)s")
            % {"user": user.username, "h": 72, "pw": initial},
        )

    def save_related(self, request, form, formsets, change):
        # Role rows go through the service (exclusion under a row lock, audit); the inline only collects them.
        for formset in formsets:
            if formset.model is not RoleAssignment:
                formset.save()
                continue
            for deleted in formset.deleted_forms:
                if deleted.instance.pk:
                    services.role_remove(actor=request.user, assignment=deleted.instance, request=request)
            for inline_form in formset.forms:
                if inline_form in formset.deleted_forms or not inline_form.has_changed():
                    continue
                data = inline_form.cleaned_data
                if inline_form.instance.pk:
                    services.role_remove(actor=request.user, assignment=inline_form.instance, request=request)
                unit = {f: data.get(f) for f in ("grid", "community", "street", "department") if data.get(f)}
                try:
                    services.role_assign(
                        actor=request.user, user=form.instance, role=data["role"], request=request, **unit
                    )
                except DomainError as exc:
                    messages.error(request, str(exc.message))

    def _each(self, request, queryset, action, done_message):
        count = 0
        for user in queryset:
            try:
                action(user)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                count += 1
        messages.success(request, done_message % {"n": count})

    @admin.action(description=gettext_lazy("Sign out everywhere (kill sessions)"), permissions=["kill"])
    def kill_sessions(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda u: services.sessions_kill(actor=request.user, user=u, request=request),
            _("Sessions ended for %(n)d users."),
        )

    @admin.action(description=gettext_lazy("Reset two-factor devices"), permissions=["security"])
    def reset_mfa(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda u: services.mfa_reset(actor=request.user, user=u, request=request),
            _("Two-factor devices reset for %(n)d users."),
        )

    @admin.action(description=gettext_lazy("Give a new initial password"), permissions=["change"])
    def reset_password(self, request, queryset):
        for user in queryset:
            if user.scope.roles & SEPARATED_ROLES and not request.user.is_superuser:
                continue
            initial = services.password_reset_by_admin(actor=request.user, user=user, request=request)
            messages.warning(
                request,
                _("Initial password for %(user)s (shown once; it must be changed within %(h)d hours): %(pw)s")
                % {"user": user.username, "h": 72, "pw": initial},
            )

    def has_kill_permission(self, request):
        return request.user.has_perm("accounts.delete_usersession") or request.user.has_perm(
            "accounts.change_user"
        )

    def has_security_permission(self, request):
        return request.user.has_perm("otp_totp.delete_totpdevice")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """The security administrator's list of who holds which role; writes go through the role service."""

    list_display = ["user", "role", "grid", "community", "street", "department"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        unit = {f: getattr(obj, f) for f in ("grid", "community", "street", "department") if getattr(obj, f)}
        assignment = services.role_assign(
            actor=request.user, user=obj.user, role=obj.role, request=request, **unit
        )
        obj.pk, obj._state.adding = assignment.pk, False

    def delete_model(self, request, obj):
        services.role_remove(actor=request.user, assignment=obj, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.role_remove(actor=request.user, assignment=obj, request=request)


@admin.register(SignInLock)
class SignInLockAdmin(admin.ModelAdmin):
    """Locked usernames (AU-01); deleting a row unlocks it."""

    list_display = ["username", "failures", "last_failure_at", "locked_until"]
    search_fields = ["username"]
    readonly_fields = ["username", "failures", "last_failure_at", "locked_until"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.lock_clear(actor=request.user, lock=obj, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.lock_clear(actor=request.user, lock=obj, request=request)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Signed-in sessions (SE-03); deleting one ends it on the server."""

    list_display = ["user", "created_at", "last_seen_at", "ip", "user_agent"]
    search_fields = ["user__username"]
    exclude = ["session_key"]
    readonly_fields = ["user", "created_at", "last_seen_at", "ip", "user_agent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, UserSession.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        from linli.core.audit import audit

        from .sessions import delete_session_keys

        for session in queryset.select_related("user"):
            delete_session_keys([session.session_key])
            audit("sessions_killed", request=request, obj=session.user, sessions=1, own=False)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Who has a second factor; the secret key is never shown. Deleting a device is an MFA reset."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.mfa_reset(actor=request.user, user=obj.user, request=request)

    def delete_queryset(self, request, queryset):
        for user_id in set(queryset.values_list("user_id", flat=True)):
            services.mfa_reset(actor=request.user, user=User.objects.get(pk=user_id), request=request)
