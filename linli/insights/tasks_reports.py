"""Background work of the reports, run by the database-backed worker (`linli db_worker`)."""

from linli.core.jobs import job


@job(atomic=False)  # the report is marked running, built, then stored: each step commits on its own
def build_report(report_id: int) -> str:
    """Build the PDF of one report request; safe to run again (a finished report is left alone)."""
    from .reports import build_report_file

    return build_report_file(report_id=report_id)
