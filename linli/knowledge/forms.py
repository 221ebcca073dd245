from django import forms
from django.utils.translation import gettext_lazy as _

from linli.cases.models import Category
from linli.org.models import Community

from .models import Answer


class AnswerForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=_("Everywhere")
    )
    source = forms.CharField(label=_("Source"), max_length=200, required=False)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities

    @classmethod
    def initial_for(cls, answer: Answer) -> dict:
        return {
            f: getattr(answer, f)
            for f in (
                "question",
                "keywords",
                "answer",
                "category",
                "community",
                "source",
                "valid_until",
                "is_active",
            )
        }


class AnswerCaseForm(forms.Form):
    answer = forms.IntegerField()
    text = forms.CharField(required=False, max_length=5000)
    version = forms.IntegerField(required=False)
