"""REST endpoints of the charity app (under /api/v1/)."""

urlpatterns: list = []
