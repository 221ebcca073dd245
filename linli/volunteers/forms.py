from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .choices import MemberRole, TeamKind, VolunteerKind
from .models import Skill

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommunityChoiceMixin:
    def set_communities(self, communities):
        field = self.fields["community"]
        field.choices = [(c.pk, c.name) for c in communities]
        if len(field.choices) == 1:
            field.initial = field.choices[0][0]


class VolunteerForm(CommunityChoiceMixin, forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=VolunteerKind.choices)
    work_unit = forms.CharField(
        label=_("Work unit"),
        max_length=100,
        required=False,
        help_text=_("For party members reporting in (双报到): employer and party branch."),
    )
    skills = forms.MultipleChoiceField(label=_("Skills"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_communities(communities)
        self.fields["skills"].choices = [(s.code, s.name) for s in Skill.objects.all()]


class VolunteerEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the current number."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=VolunteerKind.choices)
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    skills = forms.MultipleChoiceField(label=_("Skills"), required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = [(s.code, s.name) for s in Skill.objects.all()]


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Show"), choices=[("id_number", _("ID number")), ("phone", _("Phone"))])
    reason = forms.CharField(label=_("Why do you need it?"), max_length=200)


class TeamForm(CommunityChoiceMixin, forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=TeamKind.choices, initial=TeamKind.SERVICE)
    colour = forms.CharField(
        label=_("Colour"), max_length=7, required=False, widget=forms.TextInput(attrs={"type": "color"})
    )
    focus = forms.CharField(label=_("What the team does"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_communities(communities)


class TeamEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=TeamKind.choices)
    colour = forms.CharField(
        label=_("Colour"), max_length=7, required=False, widget=forms.TextInput(attrs={"type": "color"})
    )
    focus = forms.CharField(label=_("What the team does"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)


class MemberForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("Volunteer"), coerce=int)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [(v.pk, v.name) for v in volunteers]


class RecordForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("Volunteer"), coerce=int)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    content = forms.CharField(label=_("Service content"), max_length=200)
    started_at = forms.DateTimeField(label=_("Started at"), widget=DATETIME)
    ended_at = forms.DateTimeField(label=_("Ended at"), widget=DATETIME)
    hours = forms.DecimalField(
        label=_("Hours served"),
        max_digits=6,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.25"}),
        help_text=_("In quarter hours, at most the time between start and end; travel time does not count."),
    )
    training = forms.CharField(label=_("Training received"), max_length=200, required=False)
    awards = forms.CharField(label=_("Awards"), max_length=200, required=False)
    evaluation = forms.CharField(label=_("Evaluation"), max_length=200, required=False)
    confirm = forms.BooleanField(
        label=_("Confirm now as the organiser"),
        required=False,
        help_text=_("Leave unticked to keep it as a draft for the organiser."),
    )

    def __init__(self, *args, volunteers=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [(v.pk, f"{v.name} · {v.community.name}") for v in volunteers]
        self.fields["team"].choices = [("", "—")] + [(t.pk, t.name) for t in teams]


class CorrectionForm(forms.Form):
    hours_delta = forms.DecimalField(
        label=_("Change in hours"),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25"}),
        help_text=_("Negative to take hours away, e.g. -0.5."),
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=200)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)


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
