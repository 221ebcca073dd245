"""Background work of the care app, run by the database-backed worker (`linli db_worker`)."""

from linli.core.jobs import job

from . import services


@job(atomic=False)  # each alert is claimed and settled in its own transaction
def deliver_alerts() -> int:
    """Send the pending SMS alerts of care calls now (the sweep does it too, so a lost task loses nothing)."""
    return services.alerts_deliver()
