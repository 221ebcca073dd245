from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, Compound, Department, District, Grid, Street
from .spatial import geometry_from_geojson


class GridForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = ["community", "code", "name", "geometry"]

    def clean_geometry(self):
        geometry = self.cleaned_data.get("geometry")
        if geometry:
            try:
                geometry_from_geojson(geometry)
            except ValueError as exc:
                raise forms.ValidationError(_("Invalid polygon: %(e)s") % {"e": exc}) from exc
        return geometry


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    form = GridForm
    list_display = ["code", "name", "community"]
    list_filter = ["community__street", "community"]
    search_fields = ["code", "name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "street"]
    list_filter = ["street"]


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    list_filter = ["community"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "compound", "grid"]
    list_filter = ["compound__community"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "phone"]
