"""Reference data of the patrols in the admin: checklists (with their items) and shops. Inspections, hazards,
rounds and campaigns change only through the services."""

from django.contrib import admin

from .models import ChecklistItem, ChecklistTemplate, Shop
from .services import shop_grid_id


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["order", "text", "finding", "category", "category_code"]
    autocomplete_fields = ["category"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "place_kind", "is_active"]
    list_filter = ["kind", "place_kind", "is_active"]
    inlines = [ChecklistItemInline]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "compound", "building", "grid", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]
    readonly_fields = ["grid"]

    def save_model(self, request, obj, form, change):
        obj.grid_id = shop_grid_id(building=obj.building, lat=obj.lat, lon=obj.lon)
        super().save_model(request, obj, form, change)
