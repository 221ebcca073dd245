"""Password policy (SECURITY.md AU-02, AU-03, AU-06): validators, the optional PBKDF2-HMAC-SM3 hasher and random
initial passwords."""

from __future__ import annotations

import base64
import secrets
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

# The system's own names: a password made of them is among the first an attacker tries.
SYSTEM_WORDS = ("linli", "邻里")


def character_classes(password: str) -> set[str]:
    """Which of the four character classes (lower, upper, digit, anything else) the password uses."""
    found = set()
    for char in password:
        if char.isdigit():
            found.add("digit")
        elif char.islower():
            found.add("lower")
        elif char.isupper():
            found.add("upper")
        else:
            found.add("other")  # punctuation, spaces, and letters without case such as 汉字
    return found


class MaximumLengthValidator:
    """Long passphrases are welcome up to a bound that keeps hashing cheap."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long: at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Your password may have up to %(max)d characters.") % {"max": self.max_length}


class CharacterClassesValidator:
    """At least three of: lowercase letters, uppercase letters, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                _(
                    "Use at least %(n)d of these: lowercase letters, uppercase letters, digits, other characters."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _(
            "Your password must use at least %(n)d of these: lowercase letters, uppercase letters, digits, "
            "other characters."
        ) % {"n": self.min_classes}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def context_words(user) -> set[str]:
    """Words a password must not contain: the system's names, the username, the user's name and org units."""
    words = {_fold(w) for w in SYSTEM_WORDS}
    if user is not None:
        for value in (getattr(user, "username", ""), getattr(user, "display_name", "")):
            if value:
                words.add(_fold(value))
        if getattr(user, "pk", None):
            from .models import RoleAssignment

            rows = RoleAssignment.objects.filter(user_id=user.pk).values_list(
                "grid__name",
                "grid__community__name",
                "grid__community__street__name",
                "community__name",
                "community__street__name",
                "street__name",
                "department__name",
            )
            for row in rows:
                for name in row:
                    if name:
                        words.add(_fold(name))
                        # 西宁道社区 → 西宁道 too: the distinctive part of a community or street name
                        for suffix in ("社区", "街道", "街", "网格", "居委会"):
                            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                                words.add(_fold(name[: -len(suffix)]))
    # Too-short words would refuse half of all passwords: ASCII needs 4 characters, Chinese 2.
    return {w for w in words if len(w) >= 4 or (len(w) >= 2 and not w.isascii())}


class ContextWordsValidator:
    """No password containing the system's names, the username or the user's community and street names."""

    def validate(self, password, user=None):
        folded = _fold(password)
        for word in context_words(user):
            if word in folded:
                raise ValidationError(
                    _("Your password must not contain the system's name, your username or your unit's name."),
                    code="password_context_word",
                )

    def get_help_text(self):
        return _("Your password must not contain the system's name, your username or your unit's name.")


class PasswordHistoryValidator:
    """None of the user's last `count` passwords again; each new one is remembered when it is set."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def _recent_hashes(self, user) -> list[str]:
        from .models import PasswordHistory

        hashes_ = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: self.count]
        )
        return hashes_

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from .models import User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        for encoded in [current, *self._recent_hashes(user)]:
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    _("You used this password recently; choose one not among your last %(n)d.")
                    % {"n": self.count},
                    code="password_reused",
                )

    def password_changed(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[: self.count]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        return _("Your password must differ from your last %(n)d passwords.") % {"n": self.count}


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with HMAC-SM3 (GB/T 32905) from `cryptography`, for deployments whose 密评 plan asks for SM3."""

    algorithm = "pbkdf2_sm3"
    iterations = 600_000

    def encode(self, password, salt, iterations=None):
        self._check_encode_args(password, salt)
        iterations = iterations or self.iterations
        kdf = PBKDF2HMAC(algorithm=hashes.SM3(), length=32, salt=salt.encode(), iterations=iterations)
        digest = base64.b64encode(kdf.derive(password.encode())).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${digest}"

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"], decoded["iterations"]))


_SYMBOLS = "!#%+-=?@^_~"


def random_password(length: int = 16) -> str:
    """A random initial password that meets the policy: every class present, no ambiguous look-alikes."""
    lower = "abcdefghijkmnpqrstuvwxyz"
    upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    alphabet = lower + upper + digits + _SYMBOLS
    while True:
        chars = [secrets.choice(pool) for pool in (lower, upper, digits, _SYMBOLS)]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if not any(w in password.casefold() for w in SYSTEM_WORDS):
            return password
