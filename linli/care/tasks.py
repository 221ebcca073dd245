"""Background work of the care app, run by the database-backed worker (`linli db_worker`)."""

from django_tasks import task

from . import services


@task()
def deliver_alerts() -> int:
    """Send the pending SMS alerts of care calls now (the sweep does it too, so a lost task loses nothing)."""
    return services.alerts_deliver()
