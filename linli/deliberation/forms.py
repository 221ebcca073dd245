from django import forms
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import User
from linli.cases.forms import MultipleFileField, MultipleFileInput
from linli.cases.models import Category
from linli.core.validators import validate_phone
from linli.org.models import Department

from .choices import MeetingType, Party

PHOTO_WIDGET = MultipleFileInput(attrs={"accept": "image/jpeg,image/png"})


class MeetingForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=MeetingType.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    invited = forms.MultipleChoiceField(
        label=_("Invited"), choices=Party.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class AttendanceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    party = forms.ChoiceField(label=_("Speaks for"), choices=Party.choices)
    organisation = forms.CharField(label=_("Organisation (optional)"), max_length=80, required=False)


class SignInForm(AttendanceForm):
    # Left empty by people; form-filling robots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    figures = forms.CharField(label=_("Figures"), max_length=2000, required=False)
    cases = forms.CharField(label=_("Linked case numbers (comma-separated)"), max_length=500, required=False)
    photos = MultipleFileField(label=_("Photos"), required=False, widget=PHOTO_WIDGET)


class DiscussionForm(forms.Form):
    discussion = forms.CharField(
        label=_("Discussion notes"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    figures = forms.CharField(label=_("Figures"), max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    votes_for = forms.IntegerField(label=_("For"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, required=False)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0, required=False)


class ActionRowForm(forms.Form):
    """One action item of a decision; a row left without a title is skipped."""

    title = forms.CharField(label=_("What"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    done_definition = forms.CharField(label=_("What “done” means"), max_length=2000, required=False)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    def clean(self):
        data = super().clean()
        if data.get("title"):
            for field in ("owner", "deadline", "done_definition"):
                if not data.get(field):
                    self.add_error(field, _("Needed for an action item."))
        return data


class CorrectionForm(forms.Form):
    text = forms.CharField(label=_("Correction"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultipleFileField(label=_("Photos"), required=False, widget=PHOTO_WIDGET)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class QuickEntryForm(forms.Form):
    text = forms.CharField(
        label=_("Matter"), max_length=500, widget=forms.TextInput(attrs={"autofocus": True})
    )
    name = forms.CharField(label=_("Name (optional)"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"), max_length=20, required=False, validators=[validate_phone]
    )
    category = forms.ModelChoiceField(
        label=_("Kind (for a case)"), queryset=Category.objects.filter(is_active=True), required=False
    )
    meeting_type = forms.ChoiceField(
        label=_("For the next (for a proposal)"), choices=MeetingType.choices, initial=MeetingType.HALL
    )
    answer = forms.CharField(label=_("Answer (for an answered question)"), max_length=2000, required=False)


class ProposalForm(forms.Form):
    text = forms.CharField(
        label=_("What should the community discuss?"),
        min_length=4,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Your phone (optional, only to call you back)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # Left empty by people; form-filling robots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)
