"""Security headers and what is exposed (SECURITY.md CF-02, CF-04), with the settings of this process."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.settings import _csp_policy

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_pages_carry_the_security_headers():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Request-ID"]
    # outside production the policy is reported, not enforced
    assert "Content-Security-Policy" not in response
    policy = _directives(response["Content-Security-Policy-Report-Only"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'self'" in policy["script-src"]


def test_the_enforced_policy_carries_a_fresh_nonce_for_inline_scripts(settings, rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    settings.CONTENT_SECURITY_POLICY = _csp_policy()
    nonces = []

    def view(request):
        nonces.append(str(request.csp_nonce))  # a template's nonce="{{ request.csp_nonce }}"
        return HttpResponse(f"<script nonce='{nonces[-1]}'></script>")

    middleware = CSPMiddleware(view)
    headers = [middleware(rf.get("/")) for _ in range(2)]
    for response, nonce in zip(headers, nonces, strict=True):
        assert f"'nonce-{nonce}'" in _directives(response["Content-Security-Policy"])["script-src"]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_the_map_tile_host_may_serve_images(monkeypatch):
    monkeypatch.setenv(
        "LINLI_MAP_TILE_URL", "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}"
    )
    assert _csp_policy()["DIRECTIVES"]["img-src"] == ["'self'", "data:", "https://*.tianditu.gov.cn"]
    monkeypatch.setenv("LINLI_MAP_TILE_URL", "javascript:alert(1)")
    assert _csp_policy()["DIRECTIVES"]["img-src"] == ["'self'", "data:"]


def test_the_admin_answers_only_from_its_networks(settings):
    settings.LINLI_ADMIN_NETWORKS = ["10.0.0.0/8", "::1/128"]
    settings.LINLI_TRUSTED_PROXIES = frozenset({"192.0.2.1"})
    client = Client()
    assert client.get("/admin/", REMOTE_ADDR="203.0.113.9").status_code == 404
    # a client naming an admin address in X-Forwarded-For is not a proxy: still refused
    assert (
        client.get("/admin/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 404
    )
    assert client.get("/admin/", REMOTE_ADDR="10.1.2.3").status_code == 302  # to the sign-in
    assert client.get("/admin/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 302
    assert client.get("/accounts/login/", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_api_docs_are_not_served_when_switched_off(settings):
    settings.LINLI_API_DOCS = False
    client = Client()
    assert client.get("/api/docs/").status_code == 404
    assert client.get("/api/schema/").status_code == 404
    settings.LINLI_API_DOCS = True
    assert client.get("/api/docs/").status_code == 200
