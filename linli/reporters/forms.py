from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.org.models import Community

from .choices import Occupation
from .selectors import buildings_of, report_categories


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "autofocus": True}
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("The code has 6 digits."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "autofocus": True,
            }
        ),
    )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos under one name; each is checked by core.uploads and core.images afterwards."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in items]


class ReportForm(forms.Form):
    photos = PhotosField(label=_("Photos"), required=False)
    category = forms.ModelChoiceField(
        label=_("What is it?"), queryset=report_categories(), widget=forms.RadioSelect, empty_label=None
    )
    description = forms.CharField(
        label=_("A few words (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    building = forms.ModelChoiceField(
        label=_("Or choose the building"), queryset=None, required=False, empty_label=_("— not needed —")
    )

    def __init__(self, *args, reporter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = report_categories()
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.parent.name} · {c.name}" if c.parent_id else c.name
        )
        self.fields["building"].queryset = buildings_of(reporter)


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    occupation = forms.ChoiceField(label=_("What they do"), choices=Occupation.choices)
    employer = forms.CharField(
        label=_("Employer"),
        max_length=50,
        required=False,
        help_text=_("For example Meituan, Ele.me or SF Express"),
    )
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = user.scope
        communities = Community.objects.order_by("name")
        if not scope.is_admin:
            communities = communities.filter(
                Q(pk__in=scope.community_ids) | Q(pk__in=scope.grid_community_ids)
            )
        self.fields["community"].queryset = communities
        only = list(communities[:2])
        self.only_community = only[0] if len(only) == 1 else None
        if self.only_community is not None:
            self.fields["community"].initial = self.only_community.pk
            self.fields["community"].required = False
            self.fields["community"].widget = forms.HiddenInput()

    def clean_community(self):
        return self.cleaned_data.get("community") or self.only_community


class RedeemForm(forms.Form):
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("Redeemed for"), max_length=200)


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class ClearFlagForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
