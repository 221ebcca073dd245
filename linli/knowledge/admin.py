from django.contrib import admin

from .models import Answer


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = [
        "question",
        "community",
        "category",
        "valid_until",
        "is_active",
        "times_used",
        "updated_at",
    ]
    list_filter = ["is_active", "community", "category"]
    search_fields = ["question", "keywords", "answer"]
    readonly_fields = ["times_used", "updated_by", "updated_at"]
