"""Every personal-data field is in docs/personal-data.md (SECURITY.md DP-04), and its protection is what it says."""

import re

from django.apps import apps
from django.conf import settings

from linli.core.fields import EncryptedTextField

PI_NAMES = {"name", "gender", "birth_date", "id_number", "phone", "room", "address", "notes", "note", "tag"}
PI_NAMES |= {
    "reporter_name",
    "reporter_phone",
    "recipient_label",
    "address_display",
    "requester_name",
    "details",
}
PERSONAL_MODELS = [
    "residents.Resident",
    "residents.Household",
    "residents.TagAssignment",
    "residents.EmergencyContact",
    "residents.Visit",
    "cases.Case",
    "accounts.User",
    "reporters.Reporter",
    "notices.Delivery",
    "open311.ApiKey",
    "care.Terminal",
    "care.CareCall",
    "care.CareAlert",
    "care.CareProvider",
    "care.CareOrder",
    "care.ServiceVisit",
    "deliberation.Attendance",
    "deliberation.Proposal",
    "deliberation.ReceptionMatter",
    "volunteers.Volunteer",
    "activities.ResidentSignup",
    "activities.ActivityMessage",
    "activities.HomeVisit",
    "partners.Partner",
    "partners.PartnerContact",
    "partners.ServiceUse",
    "charity.Donation",
    "charity.Distribution",
    "charity.HandOver",
    "charity.HomeDelivery",
]
ROW = re.compile(r"^\| (\w+\.\w+\.\w+) \| ([^|]+) \|", re.M)


def inventory() -> dict[str, str]:
    text = (settings.REPO_DIR / "docs" / "personal-data.md").read_text()
    return dict(ROW.findall(text))


def test_every_personal_field_is_listed_with_its_protection():
    listed = inventory()
    missing = []
    for label in PERSONAL_MODELS:
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if field.name in PI_NAMES or isinstance(field, EncryptedTextField):
                key = f"{label}.{field.name}"
                if key not in listed:
                    missing.append(key)
    assert missing == []


def test_fields_listed_as_encrypted_are_encrypted_and_every_encrypted_field_says_so():
    for key, protection in inventory().items():
        app, model, field = key.split(".")
        model_field = apps.get_model(app, model)._meta.get_field(field)
        assert protection.startswith("encrypted") == isinstance(model_field, EncryptedTextField), key
