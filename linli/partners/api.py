"""REST endpoints of the partners app (under /api/v1/)."""

urlpatterns: list = []
