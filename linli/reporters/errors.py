"""The reporters app's domain error codes, and the one error of its own: too many reports at once."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError


class ErrorCode(StrEnum):
    ALREADY_INVITED = "already_invited"
    NOT_A_MOBILE = "not_a_mobile"
    DUPLICATE_PHOTO = "duplicate_photo"
    NO_PHOTO = "no_photo"
    NO_LOCATION = "no_location"
    INSUFFICIENT_POINTS = "insufficient_points"
    ALREADY_CLEARED = "already_cleared"
    INACTIVE = "inactive"
    TOO_MANY_REPORTS = "rate_limited"


class TooManyReports(DomainError):
    """More reports in the burst window than a person on their rounds can see (answered 429 + Retry-After)."""

    status = 429
    code = ErrorCode.TOO_MANY_REPORTS

    def __init__(self, retry_after: int):
        super().__init__(
            _("You have sent many reports in a short time. Please wait a while before the next one."),
            field=None,
            retry_after=retry_after,
        )
        self.retry_after = retry_after
