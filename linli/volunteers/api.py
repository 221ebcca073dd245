"""REST endpoints of the volunteers app (under /api/v1/)."""

urlpatterns: list = []
