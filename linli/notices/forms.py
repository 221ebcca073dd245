"""The compose form: it parses and checks input; the services decide who may send what to whom."""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .audience import Place, parse_place, places_for, tags_for
from .channels import CHANNELS
from .choices import BODY_MAX, TITLE_MAX, DeliveryChannel, PlaceKind
from .placeholders import fill, label_for, placeholders_in

VALUE_PREFIX = "value_"
PLACE_GROUPS = (
    (PlaceKind.COMMUNITY, _("Communities")),
    (PlaceKind.COMPOUND, _("Compounds")),
    (PlaceKind.GRID, _("Grids")),
    (PlaceKind.BUILDING, _("Buildings")),
)


class ComposeForm(forms.Form):
    template = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    case = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Words in braces, such as {place}, are filled in from the fields below."),
    )
    audience = forms.ChoiceField(label=_("Send to"))
    tag = forms.ChoiceField(
        label=_("Only residents with the tag"),
        required=False,
        help_text=_("A tag group: the residents of the place who carry the tag. Group robots are not used."),
    )
    channels = forms.MultipleChoiceField(
        label=pgettext_lazy("notice", "Channels"), widget=forms.CheckboxSelectMultiple
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("now", _("Send now")), ("later", _("Send at a time"))],
        initial="now",
        widget=forms.RadioSelect,
    )
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    preview_digest = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.placeholder_names = placeholders_in(source.get("title", ""), source.get("body", ""))
        for name in self.placeholder_names:
            self.fields[VALUE_PREFIX + name] = forms.CharField(label=label_for(name), max_length=100)
        places = places_for(user)
        self.fields["audience"].choices = [("", "—")] + [
            (label, [(p.value, str(p)) for p in places[kind]]) for kind, label in PLACE_GROUPS if places[kind]
        ]
        self.tags = {t.code: t for t in tags_for(user)}
        self.fields["tag"].choices = [("", _("Everyone"))] + [(t.code, t.name) for t in self.tags.values()]
        self.fields["channels"].choices = [
            (c.value, c.label) for c in DeliveryChannel if CHANNELS[c.value].available()
        ]
        self.unavailable_channels = [c.label for c in DeliveryChannel if not CHANNELS[c.value].available()]

    def value_fields(self):
        return [self[VALUE_PREFIX + name] for name in self.placeholder_names]

    def clean(self):
        data = super().clean()
        if data.get("when") == "later" and not data.get("send_at"):
            self.add_error("send_at", _("Give the time to send at, or choose to send now."))
        return data

    # What the services take, from the cleaned data.

    @property
    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(VALUE_PREFIX + name, "") for name in self.placeholder_names}

    @property
    def final_title(self) -> str:
        return fill(self.cleaned_data["title"], self.values).strip()

    @property
    def final_body(self) -> str:
        return fill(self.cleaned_data["body"], self.values).strip()

    @property
    def chosen_place(self) -> Place | None:
        return parse_place(self.cleaned_data["audience"])

    @property
    def chosen_tag(self):
        return self.tags.get(self.cleaned_data.get("tag") or "")

    @property
    def chosen_send_at(self):
        return self.cleaned_data.get("send_at") if self.cleaned_data.get("when") == "later" else None

    def digest(self) -> str:
        """A fingerprint of what would be sent, so that "Send" sends exactly what was previewed."""
        send_at = self.chosen_send_at
        payload = {
            "title": self.final_title,
            "body": self.final_body,
            "audience": self.cleaned_data["audience"],
            "tag": self.cleaned_data.get("tag") or "",
            "channels": sorted(self.cleaned_data["channels"]),
            "send_at": send_at.isoformat() if send_at else None,
            "case": self.cleaned_data.get("case"),
        }
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
