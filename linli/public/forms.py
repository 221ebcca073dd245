from django import forms
from django.utils.translation import gettext_lazy as _

from linli.cases.choices import Satisfaction
from linli.cases.forms import MultipleFileField, MultipleFileInput
from linli.cases.models import Category
from linli.core.validators import validate_phone


class ReportForm(forms.Form):
    """随手拍 from a resident's phone: what, where, and (only if they wish) who to call back."""

    category = forms.ModelChoiceField(
        label=_("What kind of problem?"),
        queryset=Category.objects.filter(is_active=True),
        error_messages={"required": _("Choose what kind of problem it is.")},
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        min_length=4,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Tell us in a few words what is wrong."),
            "min_length": _("Tell us a little more (at least 4 characters)."),
        },
    )
    photos = MultipleFileField(
        label=_("Photos (up to 5)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    building = forms.IntegerField(widget=forms.HiddenInput, required=False)
    compound = forms.IntegerField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Where exactly? (optional)"), max_length=200, required=False)
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional, only to call you back)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # Left empty by people; form-filling robots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("The location was not complete. Tap “Use my location” again."))
        return data


class RateForm(forms.Form):
    """回访: is it solved, and how satisfied is the reporter."""

    solved = forms.TypedChoiceField(
        label=_("Is the problem solved?"),
        choices=[("1", _("Yes, solved")), ("0", _("No, not solved"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether the problem is solved.")},
    )
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
