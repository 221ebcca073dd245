"""What the case loop tells other apps: `case_changed` once a case is written (intake or any transition).

Receivers get `case` (as written), `action` (an Action) and `event` (its timeline entry).  For a transition
they run inside its transaction, so what they write commits or rolls back with it."""

from django.dispatch import Signal

case_changed = Signal()
