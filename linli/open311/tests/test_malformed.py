"""A malformed request gets the specification's error in the format it asked for, never a 500 or a Django page,
and writes nothing."""

import pytest

from linli.cases.models import Case, CaseEvent

from .conftest import AT_BUILDING_1, BASE, error_of, post_request

pytestmark = pytest.mark.django_db

GET_CASES = [
    # (path, query, status)
    ("requests.json", {"start_date": "yesterday"}, 400),
    ("requests.json", {"start_date": "2026-13-01"}, 400),
    ("requests.json", {"end_date": "2026-02-30T10:00:00+08:00"}, 400),
    ("requests.json", {"start_date": "0001-01-01T00:00:00+14:00"}, 400),
    ("requests.json", {"start_date": "9999-12-31T23:59:59-12:00"}, 400),
    ("requests.xml", {"start_date": "2026-11-30", "end_date": "2026-11-01"}, 400),
    ("requests.json", {"status": "pending"}, 400),
    ("requests.json", {"service_request_id": "1;DROP TABLE cases_case"}, 400),
    ("requests.json", {"service_request_id": "9" * 40}, 400),
    ("requests.json", {"service_request_id": ",".join(str(i) for i in range(1001))}, 400),
    ("requests.json", {"service_code": "NOPE"}, 404),
    ("requests.json", {"service_code": "\x00"}, 404),
    ("requests.json", {"jurisdiction_id": "NOWHERE"}, 404),
    ("requests.json", {"jurisdiction_id": "XND\x00"}, 400),
    ("requests.json", {"jurisdiction_id": "X" * 300}, 400),
    ("requests/%00.json", {}, 400),
    ("requests/abc def.xml", {}, 400),
    ("requests/202611300000001.json", {}, 404),
    ("tokens/!!!.json", {}, 400),
    ("tokens/" + "A" * 40 + ".json", {}, 400),
    ("services/NOPE.xml", {}, 404),
    ("services/%00.json", {}, 404),
    ("services.csv", {}, 400),
    ("services.html", {}, 400),
    ("services", {}, 400),
    ("services.", {}, 400),
    ("requests", {}, 400),
    ("discovery.yaml", {}, 400),
    ("services/ENV-DRAIN", {}, 400),
    ("nothing-here.json", {}, 404),
    ("requests/1/2.json", {}, 404),
]


@pytest.mark.parametrize("path, query, status", GET_CASES)
def test_malformed_reads_get_an_open311_error(world, client, path, query, status):
    response = client.get(f"{BASE}/{path}", query)
    assert response.status_code == status
    fmt = "json" if path.endswith(".json") else "xml"
    code, description = error_of(response, fmt)
    assert code == status and description


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("post", "services.json", "GET, HEAD"),
        ("put", "requests.json", "GET, HEAD, POST"),
        ("delete", "requests.xml", "GET, HEAD, POST"),
        ("patch", "requests/202611300000001.json", "GET, HEAD"),
        ("post", "tokens/ABC.xml", "GET, HEAD"),
        ("post", "discovery.json", "GET, HEAD"),
        ("options", "services/ENV-DRAIN.xml", "GET, HEAD"),
    ],
)
def test_a_wrong_method_gets_405_with_allow(world, client, method, path, allowed):
    response = getattr(client, method)(f"{BASE}/{path}")
    assert response.status_code == 405 and response["Allow"] == allowed
    assert error_of(response, path.rsplit(".", 1)[1])[0] == 405


POST_CASES = [
    {"long": None},  # lat without long
    {"lat": "39.111", "long": "east"},
    {"lat": "-91", "long": "117.201"},
    {"lat": "39.111", "long": "181"},
    {"lat": None, "long": None},  # no place at all
    {"description": "堵" * 4001},
    {"description": "堵\x00塞"},
    {"phone": "1381234567"},
    {"phone": "110"},
    {"email": "not-an-email"},
    {"first_name": "刘" * 51},
    {"address_string": "吉利花园\n1号楼"},
    {"address_string": "吉" * 201},
    {"address_id": "abc"},
    {"address_id": "999999", "lat": None, "long": None},
    {"media_url": "ftp://example.cn/a.jpg"},
    {"media_url": "javascript:alert(1)"},
    {"device_id": "d" * 101},
    {"service_code": "NOPE"},
    {"service_code": ""},
    {"jurisdiction_id": "NOWHERE"},
    {"attribute[": "x"},
    {"attribute[]": "x"},
    {"api_key": ""},
    {"api_key": "x" * 5000},
]


@pytest.mark.parametrize("fields", POST_CASES)
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_malformed_posts_get_an_open311_error_and_write_nothing(world, client, api_key, fmt, fields):
    body = {"api_key": api_key, "service_code": "ENV-DRAIN", **AT_BUILDING_1, **fields}
    response = post_request(client, fmt, **{k: v for k, v in body.items() if v is not None})
    assert response.status_code in (400, 403, 404)
    code, description = error_of(response, fmt)
    assert code == response.status_code and description
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_broken_multipart_body_is_a_bad_request(world, client, api_key):
    response = client.generic(
        "POST",
        f"{BASE}/requests.json",
        b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (400, 403)
    assert error_of(response, "json")[0] == response.status_code


def test_a_body_too_large_is_a_bad_request(world, client, api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_request(
        client, "json", api_key=api_key, service_code="ENV-DRAIN", description="堵" * 2000
    )
    assert response.status_code == 400 and error_of(response, "json")[0] == 400
