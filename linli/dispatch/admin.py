from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from linli.core.admin import ReadOnlyAdmin

from . import selectors, services
from .choices import Target
from .models import DispatchModel, SuggestionOutcome
from .tasks import train_model


@admin.register(DispatchModel)
class DispatchModelAdmin(ReadOnlyAdmin):
    list_display = [
        "version",
        "target",
        "is_active",
        "trained_at",
        "source",
        "rows",
        "cv_macro_f1",
        "acceptance",
    ]
    list_filter = ["target", "is_active"]
    exclude = ["blob"]
    actions = ["train_category", "train_department", "activate"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("blob")

    def changelist_view(self, request, extra_context=None):
        self._rates = selectors.acceptance_rates()
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("acceptance rate"))
    def acceptance(self, obj):
        rate = getattr(self, "_rates", {}).get(obj.version, {}).get("rate")
        return "—" if rate is None else f"{rate:.0%}"

    def _enqueue(self, request, target):
        train_model.enqueue(target, request.user.pk)
        self.message_user(request, _("Training of a new %(t)s model was queued.") % {"t": target})

    @admin.action(description=_("Train a new category model (in the background)"))
    def train_category(self, request, queryset):
        self._enqueue(request, Target.CATEGORY)

    @admin.action(description=_("Train a new department model (in the background)"))
    def train_department(self, request, queryset):
        self._enqueue(request, Target.DEPARTMENT)

    @admin.action(description=_("Activate the selected model"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one model to activate."), messages.ERROR)
            return
        model = services.model_activate(model=queryset.get())
        self.message_user(request, _("v%(v)s is now the active model.") % {"v": model.version})


@admin.register(SuggestionOutcome)
class SuggestionOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["model", "suggested", "chosen", "accepted", "user", "created_at"]
    list_filter = ["accepted"]
