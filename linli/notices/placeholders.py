"""The {placeholders} of notice templates: which a text has, and the text with them filled in.

Only bare names are placeholders ({place}, {start}); nothing is evaluated, so an administrator's template can
never reach into Python objects the way str.format fields can."""

from __future__ import annotations

import re

from django.utils.translation import pgettext_lazy

PLACEHOLDER = re.compile(r"\{(\w{1,30})\}")

# What the compose page calls the placeholders the seeded templates use; any other name is shown as itself.
LABELS = {
    "place": pgettext_lazy("placeholder", "Place"),
    "start": pgettext_lazy("placeholder", "From"),
    "end": pgettext_lazy("placeholder", "Until"),
    "reason": pgettext_lazy("placeholder", "Reason"),
    "activity": pgettext_lazy("placeholder", "Activity"),
    "time": pgettext_lazy("placeholder", "Time"),
    "contact": pgettext_lazy("placeholder", "Contact"),
}


def placeholders_in(*texts: str) -> list[str]:
    """The placeholder names in the texts, each once, in the order they first appear."""
    seen: dict[str, None] = {}
    for text in texts:
        for name in PLACEHOLDER.findall(text or ""):
            seen.setdefault(name, None)
    return list(seen)


def fill(text: str, values: dict[str, str]) -> str:
    """The text with every placeholder that has a non-blank value replaced by it; the others stay as they are."""

    def replace(match: re.Match) -> str:
        value = (values.get(match.group(1)) or "").strip()
        return value if value else match.group(0)

    return PLACEHOLDER.sub(replace, text or "")


def label_for(name: str) -> str:
    return str(LABELS.get(name, name))
