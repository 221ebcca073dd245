"""Keeping personal numbers and forged lines out of logs (SECURITY.md LG-03); importable before the apps load."""

from __future__ import annotations

import logging
import re

from .validators import mask_personal_text

_LINE_BREAK = re.compile(r"(\r|\n|\u2028|\u2029|\x85)")
_ENCODED = {"\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\x85"}


def scrub(text: str) -> str:
    """Mask ID numbers, phone numbers (mobiles and landlines, with separators, +86 or full-width digits) and e-mail
    addresses, and encode line breaks, so a log line can neither leak nor be forged (LG-03)."""
    # each line is masked apart: a number right after a line break must not hide behind the break
    return "".join(_ENCODED.get(part) or mask_personal_text(part) for part in _LINE_BREAK.split(text))


class ScrubLogFilter(logging.Filter):
    """Masks personal numbers and encodes line breaks in every record's message on its way to a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return True
        record.msg, record.args = scrub(message), None
        return True
