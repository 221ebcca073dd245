"""Token sign-in for programs (POST {username, password, otp?} → {"token": …}) and the user's own account."""

from django.contrib.auth.models import update_last_login
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from linli.core.api import parse_input
from linli.core.errors import DomainError, InvalidInput
from linli.core.validators import mask_phone

from . import security, services
from .authentication import token_expired


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(max_length=10, required=False, allow_blank=True)


class BadCredentials(DomainError):
    status = 400
    code = "invalid_credentials"


class ObtainToken(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = TokenIn

    @extend_schema(
        request=TokenIn,
        responses={200: inline_serializer("TokenOut", {"token": serializers.CharField()})},
        description=(
            "A token for the API, valid LINLI_TOKEN_HOURS from its creation. A user with a confirmed "
            "authenticator (or everyone when MFA is required) also sends `otp`: without it the answer is 400 "
            '{"code": "otp_required", "field": "otp"}.'
        ),
    )
    def post(self, request):
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        check = security.check_password_sign_in(request, values["username"], values["password"])
        if check.user is None:
            # The same answer whether the account exists, is locked or the password is wrong.
            raise BadCredentials(str(security.SIGN_IN_REFUSED), field="password")
        user = check.user
        device = None
        if security.needs_second_factor(user):
            if security.confirmed_device(user) is None:
                raise BadCredentials(
                    _("Set up two-factor sign-in on the sign-in page first."),
                    field="otp",
                    code="mfa_enrolment_required",
                )
            if not values.get("otp"):
                raise BadCredentials(
                    _("Enter the code from your authenticator app."), field="otp", code="otp_required"
                )
            device = security.verify_otp(user, values["otp"])
            if device is None:
                security.otp_failed(request, user, method="token")
                raise BadCredentials(
                    _("This code is not right, or it was used already. Wait for the next one."),
                    field="otp",
                    code="otp_invalid",
                )
        if security.must_change_password(user):
            raise BadCredentials(
                _("Change your password on the sign-in page first."),
                field="password",
                code="password_change_required",
            )
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        update_last_login(None, user)
        security.sign_in_succeeded(request, user, method="token", device=device)
        return Response({"token": token.key})


class PasswordChangeIn(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordChangedOut(serializers.Serializer):
    changed = serializers.BooleanField()


class PasswordChange(GenericAPIView):
    """Change one's own password: the current one is required; every token and other session ends."""

    serializer_class = PasswordChangeIn

    @extend_schema(request=PasswordChangeIn, responses={200: PasswordChangedOut})
    def post(self, request):
        values = parse_input(PasswordChangeIn, request)
        keep = request.session.session_key if request.auth is None else None
        services.password_change(
            user=request.user,
            current_password=values["current_password"],
            new_password=values["new_password"],
            request=request,
            keep_session=keep,
        )
        return Response({"changed": True})


class AccountOut(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    phone = serializers.CharField(help_text="masked")
    mfa = serializers.BooleanField()
    password_changed_at = serializers.DateTimeField(allow_null=True)


class AccountIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    current_password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)


def _me(user) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "phone": mask_phone(user.phone) if user.phone else "",
        "mfa": security.confirmed_device(user) is not None,
        "password_changed_at": user.password_changed_at,
    }


class Me(GenericAPIView):
    """The signed-in user's account; changing the phone needs the current password (AU-06)."""

    serializer_class = AccountOut

    @extend_schema(responses={200: AccountOut})
    def get(self, request):
        return Response(_me(request.user))

    @extend_schema(request=AccountIn, responses={200: AccountOut})
    def patch(self, request):
        values = parse_input(AccountIn, request)
        user = request.user
        if "phone" in values:
            if not values.get("current_password"):
                raise InvalidInput(
                    _("Your current password is needed to change the phone."), field="current_password"
                )
            user = services.phone_change(
                user=user, current_password=values["current_password"], phone=values["phone"], request=request
            )
        if "display_name" in values:
            user.display_name = values["display_name"].strip()
            user.save(update_fields=["display_name"])
        return Response(_me(user))


urlpatterns = [
    path("auth/password/", PasswordChange.as_view(), name="auth-password"),
    path("auth/me/", Me.as_view(), name="auth-me"),
]
