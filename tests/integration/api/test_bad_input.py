"""Every bad input gets a 4xx problem+json with a clear message, and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Context
from tests.integration.api.conftest import declare


@contextmanager
def writes_nothing(context: Context) -> Iterator[None]:
    def counts() -> tuple[int, int, int]:
        with context.database.transaction() as store:
            return store.count_incidents(), store.count_events(), len(store.list_services())

    before = counts()
    yield
    assert counts() == before


def assert_problem(response, status: int, *phrases: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    for phrase in phrases:
        assert phrase in body["detail"], body
    return body  # type: ignore[no-any-return]


GOOD = {"title": "Checkout is down", "type": "infrastructure"}


@pytest.mark.parametrize(
    ("body", "field", "phrase"),
    [
        ({**GOOD, "colour": "red"}, "colour", "unknown field"),
        ({"type": "infrastructure"}, "title", "is required"),
        ({**GOOD, "title": "x" * 1_000_000}, "title", "200 characters"),
        ({**GOOD, "title": "   "}, "title", "blank"),
        ({**GOOD, "type": "outage"}, "type", "allowed: performance"),
        ({**GOOD, "severity": 9}, "severity", "allowed: 1, 2, 3, 4"),
        ({**GOOD, "services": ["nope"]}, "services", "not in the service catalog"),
        ({**GOOD, "impact": "huge", "urgency": "high"}, "impact", "allowed: high, medium, low"),
        ({**GOOD, "detected_at": "2026-11-25T09:00:00"}, "detected_at", "time zone"),
    ],
)
def test_invalid_incidents_are_refused_with_the_field_named(
    client: TestClient, context: Context, body: dict[str, object], field: str, phrase: str
) -> None:
    with writes_nothing(context):
        problem = assert_problem(client.post("/api/v1/incidents", json=body), 422)
    fields = {error["field"]: error["message"] for error in problem["errors"]}  # type: ignore[attr-defined]
    assert field in fields
    assert phrase.lower() in (fields[field] + problem["detail"]).lower()  # type: ignore[operator]


def test_malformed_json_is_a_400(client: TestClient, context: Context) -> None:
    with writes_nothing(context):
        response = client.post(
            "/api/v1/incidents",
            content=b'{"title": "x",',
            headers={"content-type": "application/json"},
        )
        assert_problem(response, 400, "not valid JSON")


def test_a_wrong_content_type_is_a_415(client: TestClient, context: Context) -> None:
    with writes_nothing(context):
        response = client.post(
            "/api/v1/incidents", content=b"title=x", headers={"content-type": "text/plain"}
        )
        assert_problem(response, 415, "application/json", "text/plain")


def test_a_body_over_two_megabytes_is_a_413(client: TestClient, context: Context) -> None:
    with writes_nothing(context):
        response = client.post(
            "/api/v1/incidents",
            content=b'{"title": "' + b"x" * 3_000_000 + b'"}',
            headers={"content-type": "application/json"},
        )
        assert_problem(response, 413, "larger than")


def test_an_illegal_transition_is_a_409_naming_the_allowed_ones(
    client: TestClient, context: Context
) -> None:
    incident_id = declare(client)["id"]
    with writes_nothing(context):
        response = client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "closed"})
        assert_problem(response, 409, "allowed from 'open': investigating")


def test_an_unknown_status_is_a_422(client: TestClient, context: Context) -> None:
    incident_id = declare(client)["id"]
    with writes_nothing(context):
        response = client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "done"})
        assert_problem(response, 422)


def test_a_role_that_does_not_exist_is_a_404_naming_the_roles_there_are(
    client: TestClient, context: Context
) -> None:
    incident_id = declare(client)["id"]
    with writes_nothing(context):
        response = client.put(f"/api/v1/incidents/{incident_id}/roles/hero", json={"person": "ana"})
        assert_problem(response, 404, "no role 'hero'", "incident_commander")


def test_a_tampered_cursor_is_a_400(client: TestClient, context: Context) -> None:
    for _ in range(3):
        declare(client)
    cursor = client.get("/api/v1/incidents", params={"limit": 1}).json()["next_cursor"]
    payload, signature = cursor.split(".")
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    for bad in (tampered, "garbage", cursor + "x"):
        response = client.get("/api/v1/incidents", params={"limit": 1, "cursor": bad})
        assert_problem(response, 400)
    other_filters = client.get(
        "/api/v1/incidents", params={"limit": 1, "cursor": cursor, "severity": 3}
    )
    assert_problem(other_filters, 400, "other filters")


def test_a_duplicate_service_name_is_a_409(client: TestClient, context: Context) -> None:
    client.post("/api/v1/services", json={"name": "checkout", "criticality": "mission_critical"})
    with writes_nothing(context):
        response = client.post(
            "/api/v1/services", json={"name": "checkout", "criticality": "administrative"}
        )
        assert_problem(response, 409, "already exists")


def test_an_unknown_incident_is_a_404(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/incidents/INC-2026-1125-999"), 404)
    assert_problem(client.post("/api/v1/incidents/nope/acknowledge"), 404)


def test_a_severity_change_without_reason_is_refused(client: TestClient, context: Context) -> None:
    incident_id = declare(client)["id"]
    with writes_nothing(context):
        response = client.patch(f"/api/v1/incidents/{incident_id}", json={"severity": 1})
        assert_problem(response, 422, "reason")


def test_acknowledging_a_resolved_incident_is_a_409(client: TestClient, context: Context) -> None:
    incident_id = declare(client)["id"]
    client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"})
    with writes_nothing(context):
        assert_problem(client.post(f"/api/v1/incidents/{incident_id}/acknowledge"), 409, "resolved")


def test_unknown_routes_are_problems_too(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "title": "a\x00b"}, "title"),
        ({**GOOD, "description": "x\x00"}, "description"),
        ({**GOOD, "labels": ["ok", "b\x00d"]}, "labels"),
        ({**GOOD, "severity": "1"}, "severity"),
        ({**GOOD, "severity": True}, "severity"),
        ({**GOOD, "severity": 1.0}, "severity"),
        ({**GOOD, "impact": "high"}, "urgency"),
        ({**GOOD, "title": None}, "title"),
        ({**GOOD, "services": "checkout"}, "services"),
    ],
)
def test_nul_characters_wrong_json_types_and_half_a_matrix_are_refused(
    client: TestClient, context: Context, body: dict[str, object], field: str
) -> None:
    with writes_nothing(context):
        problem = assert_problem(client.post("/api/v1/incidents", json=body), 422)
    assert field in [error["field"].split(".")[0] for error in problem["errors"]]  # type: ignore[attr-defined]


def test_a_comment_with_a_nul_character_is_refused(client: TestClient, context: Context) -> None:
    incident_id = declare(client)["id"]
    with writes_nothing(context):
        response = client.post(f"/api/v1/incidents/{incident_id}/comments", json={"body": "x\x00"})
        assert_problem(response, 422)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"severity": "99999999999999999999999"}, "severity"),
        ({"severity": "9"}, "severity"),
        ({"priority": "P9"}, "priority"),
        ({"type": "bogus"}, "type"),
        ({"service": "nosuch"}, "service"),
        ({"sevrity": "1"}, "sevrity"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-25T10:00:00"}, "from"),
        ({"from": "2026-11-26", "until": "2026-11-25"}, "until"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_list_filters_that_cannot_be_meant_are_refused(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    problem = assert_problem(client.get("/api/v1/incidents", params=params), 422)
    assert field in [error["field"] for error in problem["errors"]]  # type: ignore[attr-defined]


def test_path_text_that_names_nothing_is_a_404(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/incidents/" + "x" * 5000), 404)
    assert_problem(client.get("/api/v1/services/" + "y" * 5000), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/INC%00",
        "/api/v1/services/a%00b",
        "/api/v1/teams/%00",
        "/api/v1/users/a%00/password",
        "/api/v1/incidents?team=a%00b",
        "/api/v1/audit?actor=a%00",
        "/login?next=%00",
    ],
)
def test_a_nul_anywhere_in_the_url_is_refused_before_any_route(
    client: TestClient, url: str
) -> None:
    """PostgreSQL cannot hold NUL and SQLite can: both answer 400 before anything is read."""
    problem = assert_problem(client.get(url), 400, "NUL")
    assert problem["type"] == "/problems/nul-character"


def test_refused_declarations_consume_no_incident_number(client: TestClient) -> None:
    for body in (
        {**GOOD, "type": "outage"},
        {**GOOD, "services": ["nope"]},
        {**GOOD, "severity": 9},
    ):
        assert client.post("/api/v1/incidents", json=body).status_code == 422
    assert declare(client)["id"] == "INC-2026-1125-001"


def test_a_chunked_body_over_two_megabytes_is_a_413(client: TestClient, context: Context) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"title": "'
        for _ in range(30):
            yield b"x" * 100_000
        yield b'"}'

    with writes_nothing(context):
        response = client.post(
            "/api/v1/incidents", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_problem(response, 413, "larger than")


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({**GOOD, "reported_at": "0001-01-01T00:00:00+14:00"}, None),
        ({**GOOD, "detected_at": "9999-12-31T23:00:00-05:00"}, None),
        (None, {"until": "9999-12-31T23:00:00-05:00"}),
        (None, {"from": "0001-01-01T00:00:00+14:00"}),
    ],
)
def test_instants_beyond_what_utc_can_hold_are_refused(
    client: TestClient,
    context: Context,
    body: dict[str, object] | None,
    params: dict[str, str] | None,
) -> None:
    with writes_nothing(context):
        if body is not None:
            response = client.post("/api/v1/incidents", json=body)
        else:
            response = client.get("/api/v1/incidents", params=params)
        assert_problem(response, 422, "out of range")


def test_a_method_the_path_does_not_serve_is_a_405_saying_which_it_does(
    client: TestClient,
) -> None:
    response = client.delete("/api/v1/incidents")
    assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


@pytest.mark.parametrize("instant", [1_764_064_800, 1_764_064_800.5, "1764064800", True])
def test_a_timestamp_must_be_iso_8601_text_not_a_number_of_seconds(
    client: TestClient, context: Context, instant: object
) -> None:
    with writes_nothing(context):
        problem = assert_problem(
            client.post("/api/v1/incidents", json={**GOOD, "detected_at": instant}), 422
        )
    assert [error["field"] for error in problem["errors"]] == ["detected_at"]  # type: ignore[index]
    assert "ISO 8601" in problem["detail"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/tokens", {"name": "ci", "scope": "read", "expires_at": 1_900_000_000}),
        ("GET", "/api/v1/schedules/nobody/oncall?at=1764064800", None),
        ("GET", "/api/v1/schedules/nobody/shifts?from=1764064800", None),
    ],
)
def test_no_route_takes_a_number_of_seconds_for_a_timestamp(
    client: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    problem = assert_problem(client.request(method, path, json=body), 422, "ISO 8601")
    assert problem["errors"][0]["field"] in ("expires_at", "at", "from")  # type: ignore[index]


def test_a_patch_takes_null_exactly_where_the_openapi_document_says_it_does(
    client: TestClient,
) -> None:
    """Every field of every PATCH body: `null` clears it where the document says the field is
    nullable, and is a 422 naming it where the document says it is not."""
    incident = declare(client)["id"]
    client.post("/api/v1/services", json={"name": "search", "criticality": "administrative"})
    client.post("/api/v1/users", json={"name": "bo", "email": "bo@example.test", "role": "viewer"})
    document = client.get("/openapi.json").json()
    targets = {
        "/api/v1/incidents/{incident_id}": f"/api/v1/incidents/{incident}",
        "/api/v1/services/{name}": "/api/v1/services/search",
        "/api/v1/users/{name}": "/api/v1/users/bo",
    }
    checked = 0
    for template, path in targets.items():
        body = document["paths"][template]["patch"]["requestBody"]["content"]["application/json"]
        name = body["schema"]["$ref"].rsplit("/", 1)[-1]
        for field, schema in document["components"]["schemas"][name]["properties"].items():
            nullable = any(option.get("type") == "null" for option in schema.get("anyOf", []))
            response = client.patch(path, json={field: None})
            refused = response.status_code == 422 and field in {
                error["field"] for error in response.json()["errors"]
            }
            assert refused is not nullable, (template, field, response.text)
            checked += 1
    assert checked >= 25


def test_every_route_documents_its_refusals_as_problems(client: TestClient) -> None:
    """What follows from the guard and the permission table is in the document for every
    route: 400, 401 (with WWW-Authenticate) and 403 where a permission is needed, 413 and
    415 for a body, 404 for path parameters, 422 for input; all as application/problem+json."""
    from fireline.domain.access import Permission
    from fireline.entrypoints.api.permissions import ROUTE_PERMISSIONS

    document = client.get("/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            wanted = {"400"}
            if isinstance(ROUTE_PERMISSIONS[(method.upper(), path)], Permission):
                wanted |= {"401", "403"}
                assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
            if method in ("post", "put", "patch"):
                wanted |= {"413", "415"}
            if "{" in path:
                wanted |= {"404", "422"}
            assert wanted <= responses.keys(), (method, path, sorted(responses))
            for status, response in responses.items():
                if status.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"], status


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/v1/incidents", "409"),
        ("POST", "/api/v1/incidents/{incident_id}/acknowledge", "409"),
        ("DELETE", "/api/v1/incidents/{incident_id}/roles/{role}", "409"),
        ("POST", "/api/v1/services", "409"),
        ("POST", "/api/v1/users", "409"),
        ("POST", "/api/v1/tokens", "404"),
        ("PUT", "/api/v1/me/password", "429"),
    ],
)
def test_a_route_documents_the_problems_only_it_answers(
    client: TestClient, method: str, path: str, status: str
) -> None:
    response = client.get("/openapi.json").json()["paths"][path][method.lower()]["responses"]
    assert list(response[status]["content"]) == ["application/problem+json"]


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        (
            "/api/v1/users",
            {"name": "cy", "email": "cy@example.test", "phone": "0151 12345678"},
            "phone",
            "use E.164 form: + and 7 to 15 digits, such as +4915112345678",
        ),
        (
            "/api/v1/users",
            {"name": "cy", "email": "not-an-address"},
            "email",
            "is not an email address (allowed: name@example.com)",
        ),
        (
            "/api/v1/users",
            {"name": "Cy Smith", "email": "cy@example.test"},
            "name",
            "is not a valid name",
        ),
        (
            "/api/v1/incidents",
            {"title": "t", "type": "infrastructure", "reported_at": "2026-11-25T09:00:00"},
            "reported_at",
            "must have a time zone, such as 2026-11-25T10:00:00Z",
        ),
    ],
)
def test_a_value_of_the_wrong_form_is_told_in_words_not_a_regular_expression(
    client: TestClient, path: str, body: dict[str, object], field: str, words: str
) -> None:
    # Found by a new user: the schema's patterns made pydantic quote its regular expression.
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    (error,) = [e for e in response.json()["errors"] if e["field"] == field]
    assert words in error["message"]
    assert "pattern" not in error["message"]
