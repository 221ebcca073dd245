import pytest

from linli.core.audit import LocalAuditSigner, reset_signer


@pytest.fixture
def audit_keys(settings):
    """A fresh local signing key for the audit chain, forgotten afterwards (use it with usefixtures)."""
    settings.LINLI_AUDIT_KEYS = LocalAuditSigner.generate()
    reset_signer()
    yield settings
    reset_signer()
