from django import forms
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

_help = lazy(password_validation.password_validators_help_text_html, str)


class SignInForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput)
    otp = forms.CharField(label=_("Code from the authenticator app"), max_length=10, required=False)


class CodeForm(forms.Form):
    otp = forms.CharField(label=_("Code from the authenticator app"), max_length=10)


class NewPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput,
        help_text=_help(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"), max_length=128, strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class ChangePasswordForm(NewPasswordForm):
    current_password = forms.CharField(
        label=_("Current password"), max_length=128, strip=False, widget=forms.PasswordInput
    )
    field_order = ["current_password", "new_password1", "new_password2"]


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    current_password = forms.CharField(
        label=_("Current password"), max_length=128, strip=False, widget=forms.PasswordInput
    )
