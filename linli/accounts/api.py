"""Token sign-in for programs: POST {username, password} → {"token": …}."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from linli.core.errors import DomainError


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class BadCredentials(DomainError):
    status = 400
    code = "invalid_credentials"


class ObtainToken(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = TokenIn

    @extend_schema(
        request=TokenIn, responses={200: inline_serializer("TokenOut", {"token": serializers.CharField()})}
    )
    def post(self, request):
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            # The same answer whether or not the account exists.
            raise BadCredentials(_("Unable to sign in with these credentials."), field="password")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
