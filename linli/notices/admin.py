from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.admin import ReadOnlyAdmin

from .audience import webhook_host
from .models import Delivery, GroupEndpoint, Notice, NoticeTemplate


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "title", "is_active", "ordering"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "title"]


class GroupEndpointForm(forms.ModelForm):
    """The webhook URL and secret are credentials: never shown again once saved, kept when left empty."""

    webhook_url = forms.CharField(
        label=_("webhook URL"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the saved one."),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk robots with 加签 only. Leave empty to keep the saved one."),
    )

    class Meta:
        model = GroupEndpoint
        fields = ["name", "channel", "grid", "compound", "community", "webhook_url", "secret", "is_active"]

    def clean_webhook_url(self):
        value = self.cleaned_data["webhook_url"].strip()
        if not value:
            if not self.instance.pk:
                raise ValidationError(_("A new group robot needs its webhook URL."))
            return self.instance.webhook_url
        if not value.startswith(("https://", "http://")):
            raise ValidationError(_("A webhook URL starts with https://."))
        return value

    def clean_secret(self):
        value = self.cleaned_data["secret"].strip()
        return value or (self.instance.secret if self.instance.pk else "")

    def clean(self):
        data = super().clean()
        units = [f for f in ("grid", "compound", "community") if data.get(f)]
        if len(units) != 1:
            raise ValidationError(_("Choose exactly one grid, compound or community the group serves."))
        return data


@admin.register(GroupEndpoint)
class GroupEndpointAdmin(admin.ModelAdmin):
    form = GroupEndpointForm
    list_display = ["name", "channel", "unit", "host", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name"]

    @admin.display(description=_("posts to"))
    def host(self, obj) -> str:
        return webhook_host(obj.webhook_url)


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "place_kind", "community", "send_at", "recipient_count", "created_by"]
    list_filter = ["status", "place_kind", "community"]
    search_fields = ["title"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "notice",
        "channel",
        "recipient_label",
        "address_display",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["channel", "status"]
    exclude = ["claim_token"]
