"""System checks for the security settings the audit and deployment rows depend on (LG-05, CF-01)."""

from pathlib import Path

from django.conf import settings
from django.core import checks

from .audit import MIN_RETENTION_DAYS


@checks.register(checks.Tags.security)
def audit_retention(app_configs=None, **kwargs):
    """LG-05: a retention under 180 days is raised to 180; say so."""
    if int(settings.LINLI_AUDIT_RETENTION_DAYS) < MIN_RETENTION_DAYS:
        return [
            checks.Warning(
                f"LINLI_AUDIT_RETENTION_DAYS={settings.LINLI_AUDIT_RETENTION_DAYS} is below the legal minimum; "
                f"audit rows are kept {MIN_RETENTION_DAYS} days.",
                hint="Set LINLI_AUDIT_RETENTION_DAYS to 180 or more (网络安全法 §21: at least six months).",
                id="linli.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def production_exposure(app_configs=None, **kwargs):
    """CF-04 in production: no API docs, the admin limited to networks, audit keys not created on the fly."""
    if settings.LINLI_ENV != "production":
        return []
    problems = []
    if settings.LINLI_API_DOCS:
        problems.append(
            checks.Warning(
                "LINLI_API_DOCS is on in production: /api/docs/ and /api/schema/ are public.",
                id="linli.W002",
            )
        )
    if not settings.LINLI_ADMIN_NETWORKS:
        problems.append(
            checks.Warning("LINLI_ADMIN_NETWORKS is empty: /admin/ answers from anywhere.", id="linli.W003")
        )
    if (
        settings.LINLI_AUDIT_SIGNER == "linli.core.audit.LocalAuditSigner"
        and not settings.LINLI_AUDIT_KEYS
        and not Path(settings.LINLI_AUDIT_KEYS_FILE).exists()
    ):
        problems.append(
            checks.Warning(
                f"No audit key ring at {settings.LINLI_AUDIT_KEYS_FILE}: every audited action would fail.",
                hint="Run `linli audit rotate-key` once to create it, or set LINLI_AUDIT_KEYS.",
                id="linli.W004",
            )
        )
    return problems
