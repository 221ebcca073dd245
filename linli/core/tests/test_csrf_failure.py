"""A form refused for its CSRF token: audited once, and a page (or JSON) that says nothing was saved."""

import pytest
from django.conf import settings
from django.test import Client

from linli.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_forged_sign_in_is_refused_audited_and_explained():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "xtd_secretary", "password": "whatever"})
    assert response.status_code == 403
    assert "没有被接受" in response.content.decode()
    entry = AuditEntry.objects.get(event="access.denied")
    assert entry.outcome == "denied" and entry.reason.startswith("csrf: ")
    assert entry.detail["status"] == 403 and entry.detail["method"] == "POST"


def test_the_explanation_is_in_english_too_and_json_for_json_callers():
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert page.status_code == 403 and "Nothing was saved" in page.content.decode()
    answer = client.post("/accounts/login/", {"username": "a"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"
    assert AuditEntry.objects.filter(event="access.denied").count() == 2


def test_a_form_with_its_token_is_not_refused():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/accounts/login/", {"username": "a", "password": "b", "csrfmiddlewaretoken": token}
    )
    assert response.status_code != 403
    assert not AuditEntry.objects.filter(event="access.denied").exists()
