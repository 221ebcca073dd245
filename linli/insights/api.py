"""REST endpoints of the insights app (under /api/v1/)."""

urlpatterns: list = []
