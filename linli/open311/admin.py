"""Administrators issue and revoke Open311 API keys and edit the questions (service attributes) categories ask."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import ApiKey, ServiceAttribute
from .services import api_key_issue, api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Adding a key issues it and shows it once; a key is revoked, never deleted, so its record stays."""

    list_display = ["name", "prefix", "contact", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "contact"]
    actions = ["revoke_keys"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        return ["name", "contact"] if obj is None else ["name", "contact", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = api_key_issue(
            name=form.cleaned_data["name"],
            contact=form.cleaned_data["contact"],
            created_by=request.user,
            request=request,
        )
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = key.pk, key.prefix, key.key_hash, key.created_at
        obj.created_by = request.user
        obj._state.adding = False
        obj.issued_key = raw  # shown by response_add, once

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key issued"),
            "key": obj,
            "raw_key": obj.issued_key,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/open311/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke the selected API keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        revoked = sum(api_key_revoke(key=key, actor=request.user, request=request) for key in queryset)
        self.message_user(
            request,
            ngettext("Revoked %(n)d API key.", "Revoked %(n)d API keys.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )


class ServiceAttributeForm(forms.ModelForm):
    """The choices of a list attribute as lines of key|name, which is easier to type than JSON; the model's
    clean() checks them against the datatype."""

    values = forms.CharField(
        label=gettext_lazy("choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "For the list datatypes: one choice a line, as key|name (for example yes|有)."
        ),
    )

    class Meta:
        model = ServiceAttribute
        fields = [
            "category",
            "code",
            "description",
            "variable",
            "datatype",
            "values",
            "required",
            "datatype_description",
            "order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["values"] = "\n".join(f"{v['key']}|{v['name']}" for v in self.instance.values or [])

    def clean_values(self):
        values = []
        for line in (self.cleaned_data.get("values") or "").splitlines():
            if not line.strip():
                continue
            key, bar, name = line.partition("|")
            if not bar:
                raise forms.ValidationError(_("Write each choice as key|name."))
            values.append({"key": key.strip(), "name": name.strip()})
        return values


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    form = ServiceAttributeForm
    list_display = ["category", "order", "code", "description", "datatype", "required", "variable"]
    list_filter = ["datatype", "required", "category"]
    search_fields = ["code", "description", "category__code", "category__name"]
    autocomplete_fields = ["category"]
