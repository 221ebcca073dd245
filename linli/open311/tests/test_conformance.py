"""Every GeoReport v2 resource, in XML and JSON, with the specification's element names, order and shapes."""

import re

import pytest

from linli.cases.models import Case

from .conftest import BASE, error_of, json_body, read, report, tags, xml_root

pytestmark = pytest.mark.django_db

FORMATS = ["xml", "json"]
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")

DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
CREATED = ["service_request_id", "token", "service_notice", "account_id"]


@pytest.fixture
def posted(world, client, api_key, drain_attributes):
    """One request posted through the endpoint: (service_request_id, token)."""
    response = report(client, api_key, **{"attribute[overflow]": "yes"})
    assert response.status_code == 200, response.content
    created = json_body(response)[0]
    return created["service_request_id"], created["token"]


def test_discovery_lists_this_endpoint_in_both_formats(world, client):
    root = xml_root(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and tags(root) == DISCOVERY
    assert W3C.match(root.findtext("changeset"))
    endpoint = root.find("endpoints/endpoint")
    assert tags(endpoint) == ENDPOINT
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url").endswith("/open311/v2/")
    assert endpoint.findtext("type") in ("production", "test")
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]

    body = json_body(client.get(f"{BASE}/discovery.json"))
    assert list(body) == DISCOVERY
    assert list(body["endpoints"][0]) == ENDPOINT
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]


def test_services_are_the_active_categories_grouped_by_their_parent(world, client, drain_attributes):
    world.fire.is_active = False
    world.fire.save()
    root = xml_root(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and set(tags(root)) == {"service"}
    by_code = {s.findtext("service_code"): s for s in root}
    assert set(by_code) == {"ENV", "ENV-DRAIN"}
    drain = by_code["ENV-DRAIN"]
    assert tags(drain) == SERVICE
    assert drain.findtext("service_name") == "下水道堵塞"
    assert drain.findtext("group") == "环境卫生"
    assert drain.findtext("metadata") == "true" and by_code["ENV"].findtext("metadata") == "false"
    assert drain.findtext("type") == "realtime"
    assert "60" in drain.findtext("description") and "3" in drain.findtext("description")

    body = json_body(client.get(f"{BASE}/services.json"))
    assert [list(s) for s in body] == [SERVICE, SERVICE]
    drain = next(s for s in body if s["service_code"] == "ENV-DRAIN")
    assert drain["metadata"] is True and drain["group"] == "环境卫生" and drain["keywords"] == ""


def test_a_service_definition_lists_its_attributes_in_order_with_their_values(
    world, client, drain_attributes
):
    root = xml_root(client.get(f"{BASE}/services/ENV-DRAIN.xml"))
    assert root.tag == "service_definition" and tags(root) == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert set(tags(attributes)) == {"attribute"}
    assert [a.findtext("code") for a in attributes] == [
        "overflow",
        "times",
        "depth",
        "since",
        "detail",
        "notice",
    ]
    overflow = attributes[0]
    assert tags(overflow) == ATTRIBUTE
    assert overflow.findtext("variable") == "true" and overflow.findtext("required") == "true"
    assert overflow.findtext("datatype") == "singlevaluelist" and overflow.findtext("order") == "1"
    values = overflow.find("values")
    assert [tags(v) for v in values] == [["key", "name"], ["key", "name"]]
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("yes", "已经外溢"),
        ("no", "还没有外溢"),
    ]
    assert attributes[5].findtext("variable") == "false"

    body = json_body(client.get(f"{BASE}/services/ENV-DRAIN.json"))
    assert list(body) == ["service_code", "attributes"] and body["service_code"] == "ENV-DRAIN"
    assert [list(a) for a in body["attributes"]] == [ATTRIBUTE] * 6
    assert body["attributes"][0]["values"] == [
        {"key": "yes", "name": "已经外溢"},
        {"key": "no", "name": "还没有外溢"},
    ]
    assert body["attributes"][0]["required"] is True and body["attributes"][0]["order"] == 1
    assert body["attributes"][2]["values"] == [] and body["attributes"][2]["datatype"] == "number"


def test_a_service_without_attributes_has_an_empty_definition(world, client):
    assert json_body(client.get(f"{BASE}/services/SAFE-FIRE.json")) == {
        "service_code": "SAFE-FIRE",
        "attributes": [],
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_answers_the_request_id_token_and_notice(world, client, api_key, fmt):
    response = report(client, api_key, fmt)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    if fmt == "xml":
        root = xml_root(response)
        assert root.tag == "service_requests" and tags(root) == ["request"]
        assert tags(root[0]) == CREATED
        created = {e.tag: e.text for e in root[0]}
    else:
        body = json_body(response)
        assert len(body) == 1 and list(body[0]) == CREATED
        created = body[0]
    assert re.fullmatch(r"\d{15}", created["service_request_id"])
    assert created["token"] and "60" in created["service_notice"]
    assert created["account_id"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_list_and_single_request_have_every_field_in_order(world, client, posted, fmt):
    number, _token = posted
    for path in (f"requests.{fmt}", f"requests/{number}.{fmt}"):
        document = read(client.get(f"{BASE}/{path}"), fmt)
        if fmt == "xml":
            assert document.tag == "service_requests" and tags(document) == ["request"]
            request = document[0]
            assert tags(request) == REQUEST
            fields = {e.tag: e.text for e in request}
        else:
            assert len(document) == 1 and list(document[0]) == REQUEST
            fields = document[0]
        assert fields["service_request_id"] == number
        assert fields["status"] == "open"
        assert fields["service_code"] == "ENV-DRAIN" and fields["service_name"] == "下水道堵塞"
        assert fields["agency_responsible"] == "西宁道社区"
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert W3C.match(fields[name]), (name, fields[name])
        assert float(fields["lat"]) == 39.111 and float(fields["long"]) == 117.201


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_gives_the_request_id(world, client, posted, fmt):
    number, token = posted
    document = read(client.get(f"{BASE}/tokens/{token}.{fmt}"), fmt)
    if fmt == "xml":
        assert document.tag == "service_requests" and tags(document[0]) == ["service_request_id", "token"]
        assert document[0].findtext("service_request_id") == number
        assert document[0].findtext("token") == token
    else:
        assert document == [{"service_request_id": number, "token": token}]


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_have_the_specification_shape(world, client, fmt):
    response = client.get(f"{BASE}/services/NOPE.{fmt}")
    assert response.status_code == 404
    code, description = error_of(response, fmt)
    assert code == 404 and "NOPE" in description


def test_text_is_utf8_not_escaped(world, client):
    assert "下水道堵塞".encode() in client.get(f"{BASE}/services.json").content
    assert "下水道堵塞".encode() in client.get(f"{BASE}/services.xml").content


def test_head_is_answered_like_get(world, client):
    response = client.head(f"{BASE}/services.json")
    assert response.status_code == 200


def test_the_reported_place_comes_back_rounded(world, client, api_key):
    report(client, api_key, lat="39.1112345", long="117.2014999")
    body = json_body(client.get(f"{BASE}/requests.json"))
    assert (body[0]["lat"], body[0]["long"]) == (39.1112, 117.2015)
    case = Case.objects.get()
    assert (case.lat, case.lon) == (39.1112345, 117.2014999)  # the staff keep the exact point
