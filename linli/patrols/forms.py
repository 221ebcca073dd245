from django import forms
from django.utils.translation import gettext_lazy as _

from linli.cases.forms import MultipleFileField, MultipleFileInput
from linli.cases.models import Category

from .choices import ItemResult

PHOTO_ATTRS = {"accept": "image/*", "capture": "environment"}


class InspectionForm(forms.Form):
    """A checklist on the phone: per item a tick (ok / hazard / n.a.), a note and photos; the place's location
    from the browser."""

    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    started_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    occurrence = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Note on the whole inspection"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(template.items.all())
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=ItemResult.choices, widget=forms.RadioSelect
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label=_("Note"), required=False, max_length=500)
            self.fields[f"photo_{item.pk}"] = MultipleFileField(
                label=_("Photo"), required=False, widget=MultipleFileInput(attrs=PHOTO_ATTRS)
            )

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data

    def rows(self):
        """(item, tick field, note field, photo field) per item, for the template."""
        return [
            (item, self[f"result_{item.pk}"], self[f"note_{item.pk}"], self[f"photo_{item.pk}"])
            for item in self.items
        ]


class HazardCaseForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
    )


class HazardFixForm(forms.Form):
    note = forms.CharField(label=_("How it was fixed"), max_length=500)
    photos = MultipleFileField(
        label=_("Photo after the fix"), required=False, widget=MultipleFileInput(attrs=PHOTO_ATTRS)
    )
