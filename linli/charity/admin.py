from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import Distribution, Donation, HandOver, HomeDelivery, StockItem, StockMovement


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "community", "donor_kind", "received_on", "total_value", "receipt_number"]
    list_filter = ["donor_kind"]
    exclude = ["donor_name", "receipt"]


@admin.register(StockItem)
class StockItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "community", "quantity"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["pk", "stock_item", "kind", "quantity", "balance_after", "created_at"]
    list_filter = ["kind"]


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "status", "stock_item", "per_household", "created_at"]
    list_filter = ["status"]


@admin.register(HandOver)
class HandOverAdmin(ReadOnlyAdmin):
    list_display = ["pk", "distribution", "community", "quantity", "handed_at"]
    exclude = ["received_by", "proof", "household"]


@admin.register(HomeDelivery)
class HomeDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "distribution", "community", "status", "planned_on"]
    exclude = ["household"]
