"""Chinese is the default language: every wrapped string in the code must have a translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LINLI = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is installed by `make test`")
def test_every_string_in_the_code_is_translated_to_chinese(tmp_path):
    # makemessages rewrites the catalogue in place, so run it on a copy and check the copy.
    tree = tmp_path / "linli"
    shutil.copytree(LINLI, tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=tree,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "linli.settings",
            "PYTHONPATH": str(LINLI.parent),
            "PATH": "/usr/bin:/bin",
        },
    )
    result = subprocess.run(
        [sys.executable, str(tree / "locale" / "check_complete.py"), str(tree / "locale")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_speak_chinese_unless_english_is_chosen(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode() and page["Content-Language"] == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_api_clients_may_ask_for_english(client):
    response = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401 and response["Content-Language"] == "en"
