from django import forms
from django.utils.translation import gettext_lazy as _

from linli.residents.models import Tag

from .choices import Audience, ContactPublicity, HowToAsk, PartnerKind

_DATE = forms.DateInput(attrs={"type": "date"})


class PartnerForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    name = forms.CharField(label=_("Organisation name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=PartnerKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    description = forms.CharField(
        label=_("About the organisation"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, communities=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["community"]
        else:
            self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    role = forms.CharField(label=_("Role"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    publicity = forms.ChoiceField(
        label=_("On the public page"), choices=ContactPublicity.choices, initial=ContactPublicity.HIDDEN
    )


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    signed_on = forms.DateField(label=_("Signed on"), widget=_DATE)
    valid_from = forms.DateField(label=_("Valid from"), widget=_DATE)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=_DATE)


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Service"), max_length=100)
    description = forms.CharField(
        label=_("Details"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    audience = forms.ChoiceField(label=_("For whom"), choices=Audience.choices)
    tag = forms.ChoiceField(label=_("Tag group"), required=False)
    schedule = forms.CharField(
        label=_("When it is offered"),
        max_length=100,
        required=False,
        help_text=_("For example: every Wednesday afternoon"),
    )
    valid_until = forms.DateField(label=_("Offered until"), required=False, widget=_DATE)
    how_to_ask = forms.ChoiceField(label=_("How to ask"), choices=HowToAsk.choices)
    monthly_cap = forms.IntegerField(label=_("Households per month at most"), required=False, min_value=1)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "—"), *[(t.pk, t.name) for t in Tag.objects.order_by("ordering")]]

    def clean_tag(self):
        value = self.cleaned_data.get("tag")
        return Tag.objects.filter(pk=value).first() if value else None


class UseForm(forms.Form):
    item = forms.ChoiceField(label=_("Service item"))
    on = forms.DateField(label=_("Date"), widget=_DATE)
    households = forms.IntegerField(label=_("Households served"), min_value=1)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, i.title) for i in items]


class CaseHelpForm(forms.Form):
    case = forms.CharField(label=_("Case number"), max_length=30)
    what = forms.CharField(
        label=_("What the partner did"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseHelpFromCaseForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"))
    what = forms.CharField(
        label=_("What the partner did"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [(p.pk, f"{p.name} · {p.community.name}") for p in partners]
