from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.org.models import Community, Compound, Grid
from linli.partners.models import Partner
from linli.residents.models import Tag

from .choices import RULE_TAGS, DonorKind, ProofKind

ITEM_ROWS = 5


class DonationForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    donor_kind = forms.ChoiceField(label=_("Donor"), choices=DonorKind.choices)
    partner = forms.ChoiceField(label=_("Partner organisation"), required=False)
    donor_name = forms.CharField(label=_("Donor's name"), max_length=100, required=False)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    total_value = forms.DecimalField(
        label=_("Total value (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Leave empty to add up the items' values."),
    )
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=40, required=False)
    receipt = forms.FileField(label=_("Receipt (JPG, PNG or PDF)"), required=False)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk
        partners = Partner.objects.filter(community__in=communities, is_active=True).order_by("name")
        self.fields["partner"].choices = [("", "—")] + [(p.pk, p.name) for p in partners]
        self.fields["received_on"].initial = timezone.localdate()
        for n in range(ITEM_ROWS):
            required = n == 0
            self.fields[f"item_name_{n}"] = forms.CharField(label=_("Item"), max_length=60, required=required)
            self.fields[f"item_unit_{n}"] = forms.CharField(label=_("Unit"), max_length=10, required=required)
            self.fields[f"item_quantity_{n}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, required=required
            )
            self.fields[f"item_value_{n}"] = forms.DecimalField(
                label=_("Value per unit"), max_digits=10, decimal_places=2, min_value=0, required=False
            )
            self.fields[f"item_description_{n}"] = forms.CharField(
                label=_("What is in it"), max_length=200, required=False
            )

    @property
    def item_rows(self):
        return [
            [self[f"item_{part}_{n}"] for part in ("name", "unit", "quantity", "value", "description")]
            for n in range(ITEM_ROWS)
        ]

    @property
    def head_fields(self):
        return [self[name] for name in ("community", "donor_kind", "partner", "donor_name", "received_on")]

    @property
    def tail_fields(self):
        return [self[name] for name in ("total_value", "receipt_number", "receipt", "note")]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        rows = []
        for n in range(ITEM_ROWS):
            if data.get(f"item_name_{n}"):
                rows.append(
                    {
                        "name": data[f"item_name_{n}"],
                        "unit": data.get(f"item_unit_{n}") or "",
                        "quantity": data.get(f"item_quantity_{n}"),
                        "unit_value": data.get(f"item_value_{n}"),
                        "description": data.get(f"item_description_{n}") or "",
                    }
                )
        return rows


class AdjustForm(forms.Form):
    delta = forms.IntegerField(label=_("Change (+ or −)"))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    stock_item = forms.ChoiceField(label=_("Item"))
    per_household = forms.IntegerField(label=_("Per household"), min_value=1, max_value=1000, initial=1)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple)
    min_age = forms.IntegerField(label=_("Aged at least"), min_value=1, max_value=120, required=False)
    match = forms.ChoiceField(
        label=_("Match"),
        choices=[("any", _("any of these")), ("all", _("all of these"))],
        initial="any",
    )
    grids = forms.MultipleChoiceField(
        label=_("Only in grids"), required=False, widget=forms.CheckboxSelectMultiple
    )
    compounds = forms.MultipleChoiceField(
        label=_("Only in compounds"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, stock, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock_item"].choices = [
            (s.pk, f"{s.community.name} · {s.name}（{s.unit}）· {s.quantity}") for s in stock
        ]
        self.fields["tags"].choices = [(t.code, t.name) for t in Tag.objects.filter(code__in=RULE_TAGS)]
        self.fields["grids"].choices = [
            (g.pk, str(g)) for g in Grid.objects.filter(community__in=communities).select_related("community")
        ]
        self.fields["compounds"].choices = [
            (c.pk, c.name) for c in Compound.objects.filter(community__in=communities)
        ]

    def rule(self) -> dict:
        data = self.cleaned_data
        return {
            "tags": data["tags"],
            "min_age": data.get("min_age"),
            "match": data["match"],
            "grids": [int(g) for g in data["grids"]],
            "compounds": [int(c) for c in data["compounds"]],
        }


class ReasonForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandOverForm(forms.Form):
    received_by = forms.CharField(label=_("Received by"), max_length=50)
    proof_kind = forms.ChoiceField(
        label=_("Confirmed by"),
        choices=ProofKind.choices,
        initial=ProofKind.SIGNATURE,
        widget=forms.RadioSelect,
    )
    signature_data = forms.CharField(required=False, widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DeliveryForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    planned_on = forms.DateField(label=_("Planned for"), widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    volunteer_name = forms.CharField(label=_("or a volunteer"), max_length=50, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—")] + [(u.pk, str(u)) for u in staff]
        self.fields["planned_on"].initial = timezone.localdate()


def communities_of(user):
    """The communities whose charity work the user records (their own, or their grids')."""
    scope = user.scope
    return list(
        Community.objects.filter(pk__in=scope.community_ids | scope.grid_community_ids).order_by("code")
    )
