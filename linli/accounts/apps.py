from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "linli.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save, pre_save

        from . import signals
        from .models import User

        user_logged_in.connect(signals.on_logged_in, dispatch_uid="linli.accounts.sessions")
        pre_save.connect(signals.on_user_pre_save, sender=User, dispatch_uid="linli.accounts.deactivate.pre")
        post_save.connect(signals.on_user_post_save, sender=User, dispatch_uid="linli.accounts.deactivate")
