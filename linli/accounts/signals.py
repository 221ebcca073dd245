"""Signal receivers: a sign-in lists its session (SE-03); a user disabled anywhere loses sessions and tokens."""

from __future__ import annotations

from . import sessions


def on_logged_in(sender, request, user, **kwargs):
    if request is not None:
        sessions.register(request, user)


def on_user_pre_save(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    was_active = sender.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    instance._linli_deactivated = bool(was_active)


def on_user_post_save(sender, instance, **kwargs):
    if getattr(instance, "_linli_deactivated", False):
        instance._linli_deactivated = False
        sessions.kill_user_sessions(instance)
        sessions.kill_user_tokens(instance)
