from django import forms
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import User
from linli.core.validators import validate_phone
from linli.org.models import Building, Department

from .choices import Channel, Satisfaction, Urgency
from .models import Category


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent"),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"), max_length=20, required=False, validators=[validate_phone]
    )
    resident = forms.IntegerField(widget=forms.HiddenInput, required=False)
    photos = MultipleFileField(label=_("Photos"), required=False)
    # The dispatch model's top suggestion when the form was sent, to record whether it was taken (linli.dispatch).
    suggested = forms.CharField(widget=forms.HiddenInput, required=False, max_length=30)
    suggestion_model = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if buildings is not None:
            self.fields["building"].queryset = buildings
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.parent.name} · {c.name}" if c.parent_id else c.name
        )

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data


class ActionForm(forms.Form):
    action = forms.CharField(max_length=30)
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=5000)
    result = forms.CharField(required=False, max_length=5000)
    reason = forms.CharField(required=False, max_length=500)
    passed = forms.NullBooleanField(required=False)
    into = forms.CharField(required=False, max_length=20)
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)
    photos = MultipleFileField(required=False)


class WhistleForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    due_at = forms.DateTimeField(
        label=_("Answer by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class FeedbackForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    solved = forms.TypedChoiceField(
        label=_("Solved?"),
        choices=[("1", _("Solved")), ("0", _("Not solved"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)
