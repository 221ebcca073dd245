from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ActivityKind, Preset, TargetGroup, Weekday
from .models import LOCAL_TZ

NTH_CHOICES = [(1, _("1st")), (2, _("2nd")), (3, _("3rd")), (4, _("4th")), (-1, _("last"))]


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    organiser = forms.TypedChoiceField(
        label=_("Organiser team"), coerce=int, required=False, empty_value=None
    )
    partners = forms.TypedMultipleChoiceField(label=_("Partner organisations"), coerce=int, required=False)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int, required=False, empty_value=None)
    start_date = forms.DateField(label=_("First date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=1440, initial=120
    )
    preset = forms.ChoiceField(label=_("Repeats"), choices=Preset.choices, initial=Preset.ONCE)
    day = forms.IntegerField(label=_("Day of the month"), min_value=1, max_value=31, required=False)
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    nth = forms.TypedChoiceField(
        label=_("Which one in the month"),
        choices=[("", "—"), *NTH_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label=_("Or this many times"), min_value=1, max_value=500, required=False)
    capacity = forms.IntegerField(
        label=_("Places for residents (empty: no limit)"), min_value=1, required=False
    )
    waitlist = forms.BooleanField(label=_("Keep a waiting list when full"), required=False, initial=True)
    target_group = forms.ChoiceField(label=_("For whom"), choices=TargetGroup.choices)
    target_tag = forms.TypedChoiceField(label=_("Tag group"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea
    )
    is_public = forms.BooleanField(label=_("Show on the residents' page"), required=False, initial=True)
    roles = forms.CharField(
        label=_("Volunteer roles (one a line: name, how many, skill code)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. 理发师, 3, lifa"),
    )

    def __init__(self, *args, teams=(), partners=(), compounds=(), tags=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = [("", "—")] + [(t.pk, t.name) for t in teams]
        self.fields["partners"].choices = [(p.pk, p.name) for p in partners]
        self.fields["compound"].choices = [("", "—")] + [(c.pk, c.name) for c in compounds]
        self.fields["target_tag"].choices = [("", "—")] + [(t.pk, t.name) for t in tags]
        self.skills = {s.code: s for s in skills}

    def clean_roles(self):
        rows = []
        for line in (self.cleaned_data.get("roles") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            try:
                needed = int(parts[1]) if len(parts) > 1 and parts[1] else 1
            except ValueError:
                raise forms.ValidationError(_("Write each role as: name, how many, skill code.")) from None
            skill = None
            if len(parts) > 2 and parts[2]:
                skill = self.skills.get(parts[2])
                if skill is None:
                    raise forms.ValidationError(_("Unknown skill code: %(c)s") % {"c": parts[2]})
            rows.append({"name": parts[0], "needed": needed, "skill": skill})
        return rows

    def starts_at(self) -> datetime:
        d = self.cleaned_data
        return datetime.combine(d["start_date"], d["start_time"], tzinfo=ZoneInfo(LOCAL_TZ))

    def schedule(self) -> dict:
        d = self.cleaned_data
        return {k: d.get(k) for k in ("preset", "day", "weekday", "nth", "until", "count")}


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MoveForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("New time"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place (empty: as before)"), max_length=120, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def starts_at(self) -> datetime:
        d = self.cleaned_data
        return datetime.combine(d["date"], d["time"], tzinfo=ZoneInfo(LOCAL_TZ))


class PublicSignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=50)
    phone = forms.CharField(label=_("Your phone"), max_length=20)


class CodeForm(forms.Form):
    code = forms.RegexField(label=_("6-digit code"), regex=r"^\d{6}$", max_length=6)
