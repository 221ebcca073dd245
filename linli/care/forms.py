from django import forms
from django.utils.translation import gettext_lazy as _

from linli.residents.choices import VisitKind

from .choices import RequesterKind, Service

# Ready-made rules for the schedule form; anything else is typed as an RRULE.
RULE_PRESETS = [
    ("", _("Once")),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", _("Every weekday")),
    ("FREQ=DAILY", _("Every day")),
    ("FREQ=WEEKLY", _("Every week")),
    ("custom", _("Another rule (RRULE)")),
]


class TerminalForm(forms.Form):
    resident = forms.IntegerField(label=_("Resident number"), min_value=1)
    provider = forms.ChoiceField(label=_("Platform"))
    device_id = forms.CharField(label=_("Device id"), max_length=64)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    sim = forms.CharField(label=_("SIM number"), max_length=20, required=False)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.pk, p.name) for p in providers]


class OrderForm(forms.Form):
    resident = forms.IntegerField(label=_("Resident number"), min_value=1)
    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    requester_kind = forms.ChoiceField(
        label=_("Requested by"), choices=[c for c in RequesterKind.choices if c[0] != RequesterKind.TERMINAL]
    )
    requester_name = forms.CharField(label=_("Requester's name"), max_length=50, required=False)
    details = forms.CharField(
        label=_("What is needed"), max_length=2000, required=False, widget=forms.Textarea
    )


class ScheduleForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"))
    service = forms.ChoiceField(label=_("Service"), choices=[("", "—"), *Service.choices], required=False)
    preset = forms.ChoiceField(label=_("How often"), choices=RULE_PRESETS, required=False)
    rule = forms.CharField(label=_("Rule (RRULE)"), max_length=200, required=False)
    scheduled_at = forms.DateTimeField(
        label=_("When (once)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    starts_on = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    at_time = forms.TimeField(label=_("At"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    ends_on = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.pk, f"{p.name} · {p.get_kind_display()}") for p in providers]

    def chosen_rule(self) -> str:
        preset = self.cleaned_data.get("preset") or ""
        return self.cleaned_data.get("rule", "") if preset == "custom" else preset


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    visit = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)


class VisitRecordForm(forms.Form):
    kind = forms.ChoiceField(choices=VisitKind.choices, initial=VisitKind.HOME)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    case_title = forms.CharField(label=_("Raise a case: title"), max_length=120, required=False)
    case_category = forms.CharField(required=False)
