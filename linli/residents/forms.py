"""Forms of the registry pages: they parse and check input; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from linli.core.validators import validate_personal_phone

from .choices import Field, Gender, Relationship, RequestKind, VisitKind

IMPORT_MAX_BYTES = 20 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GENDER_CHOICES = [("", "—"), *Gender.choices]


class ListFilterForm(forms.Form):
    """The filters of the resident list; every choice is limited to the viewer's scope by the view."""

    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, required=False, empty_label=_("All grids"))
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=None, required=False, empty_label=_("All buildings")
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    name = forms.CharField(label=_("Name contains"), max_length=50, required=False)
    include_moved_out = forms.BooleanField(label=_("Include people who moved out"), required=False)

    def __init__(self, *args, grids, buildings, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["building"].queryset = buildings
        self.fields["building"].label_from_instance = lambda b: f"{b.compound.name}{b.name}"
        self.fields["tag"].choices = [("", _("All tags")), *((t.code, t.name) for t in tags)]

    def filters(self) -> dict:
        """The cleaned filters as plain values (what resident_list takes and an ExportRequest stores)."""
        data = self.cleaned_data
        return {
            "grid": data["grid"].pk if data.get("grid") else None,
            "building": data["building"].pk if data.get("building") else None,
            "tag": data.get("tag") or None,
            "name": (data.get("name") or "").strip(),
            "include_moved_out": bool(data.get("include_moved_out")),
        }


class ExportForm(ListFilterForm):
    unmasked = forms.BooleanField(label=_("Full values (not masked)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=Field.choices)
    reason = forms.CharField(max_length=300, required=False)


class LookupForm(forms.Form):
    phone = forms.CharField(max_length=20, required=False)


class ResidentEditForm(forms.Form):
    """Edit a resident's details. ID number and phone are never shown in full, so empty means "keep"."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE, required=False)
    id_number = forms.CharField(
        label=_("New ID number"),
        max_length=18,
        required=False,
        help_text=_("Leave empty to keep the current one."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("New phone"),
        max_length=20,
        required=False,
        validators=[validate_personal_phone],
        help_text=_("Leave empty to keep the current one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    relationship = forms.ChoiceField(label=_("Relationship to the householder"), choices=Relationship.choices)
    moved_in = forms.DateField(label=_("Moved in"), widget=DATE, required=False)
    moved_out = forms.DateField(label=_("Moved out"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    PLAIN = ("name", "gender", "birth_date", "relationship", "moved_in", "moved_out", "notes")
    SECRET = ("id_number", "phone")

    def changes(self, resident) -> dict:
        """Only what differs from the stored resident; the ID number and phone only when a new one is typed."""
        data = self.cleaned_data
        out = {f: data[f] for f in self.PLAIN if data[f] != getattr(resident, f)}
        out.update({f: data[f].strip() for f in self.SECRET if data[f].strip()})
        return out


class ResidentCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE, required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        validators=[validate_personal_phone],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    relationship = forms.ChoiceField(label=_("Relationship to the householder"), choices=Relationship.choices)
    moved_in = forms.DateField(label=_("Moved in"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def values(self) -> dict:
        """The given values only: empty ones are left to the service's defaults (or to the ID number)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class TagAddForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=None, empty_label=_("Choose a tag"))
    grade = forms.CharField(label=_("Grade"), max_length=20, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags


class TagRemoveForm(forms.Form):
    assignment = forms.IntegerField(min_value=1)


class EmergencyContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.CharField(label=_("Relation"), max_length=30, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        validators=[validate_personal_phone],
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    priority = forms.IntegerField(label=_("Order to call"), min_value=1, max_value=9, initial=1)


class CarePlanForm(forms.Form):
    visit_every_days = forms.IntegerField(
        label=_("Visit every (days)"), min_value=1, max_value=365, required=False
    )
    care_worker = forms.ModelChoiceField(
        label=_("Responsible worker"), queryset=None, required=False, empty_label=_("Nobody in particular")
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_worker"].queryset = workers


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices, initial=VisitKind.HOME)
    note = forms.CharField(
        label=_("What you found"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    raise_case = forms.BooleanField(label=_("Raise a case from this visit"), required=False)
    title = forms.CharField(label=_("Case title"), max_length=120, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    back = forms.CharField(required=False, max_length=10)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        from linli.cases.models import Category

        self.fields["category"].queryset = categories if categories is not None else Category.objects.none()
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.parent.name} · {c.name}" if c.parent_id else c.name
        )

    def clean(self):
        data = super().clean()
        if data.get("raise_case"):
            if not (data.get("title") or "").strip():
                self.add_error("title", _("Give the case a title."))
            if not data.get("category"):
                self.add_error("category", _("Choose the case's category."))
        return data

    def raise_case_values(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("raise_case"):
            return None
        return {"title": data["title"].strip(), "category": data["category"], "description": data["note"]}


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the resident asks for"), choices=RequestKind.choices)
    details = forms.CharField(
        label=_("Details"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DataRequestCloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    name = forms.CharField(label=_("Corrected name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Corrected phone"), max_length=20, required=False, validators=[validate_personal_phone]
    )
    id_number = forms.CharField(label=_("Corrected ID number"), max_length=18, required=False)
    birth_date = forms.DateField(label=_("Corrected birth date"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("Corrected notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm_delete = forms.BooleanField(
        label=_("I confirm: delete this resident's personal data (it cannot be undone)"), required=False
    )
    refuse = forms.BooleanField(required=False)

    CORRECTABLE = ("name", "phone", "id_number", "birth_date", "notes")

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def clean(self):
        data = super().clean()
        if self.kind == RequestKind.DELETE and not data.get("refuse") and not data.get("confirm_delete"):
            self.add_error("confirm_delete", _("Tick the box to confirm the deletion."))
        return data

    def corrections(self) -> dict | None:
        if self.kind != RequestKind.CORRECT:
            return None
        data = self.cleaned_data
        out = {f: data[f] for f in self.CORRECTABLE if data[f] not in ("", None)}
        return {k: v.strip() if isinstance(v, str) else v for k, v in out.items()}


class ImportUploadForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None)
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk
            self.fields["community"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
        if not name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx)."))
        limit = getattr(settings, "LINLI_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
            )
        upload.seek(0)
        head = upload.read(4)
        upload.seek(0)
        if head != XLSX_MAGIC:
            raise forms.ValidationError(_("This file is not an Excel workbook (.xlsx)."))
        return upload


class CommunityChoiceForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
