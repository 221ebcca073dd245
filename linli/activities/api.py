"""REST endpoints of the activities app (under /api/v1/)."""

urlpatterns: list = []
