"""What each service's OpenAPI document tells an integrator (shared/openapi.py, installed by create_service):
operationIds from function names (never two alike), bearer security and 401/403 where a token is needed,
the problems each operation can answer, the Idempotency-Key header; and the rendered reference (shared/reference.py)
served from the package's assets, not a CDN."""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.contract_docs import OPENAPI_DIR
from shared.auth import Principal, current_principal, require
from shared.openapi import camel_case, depends_on, problem_responses
from shared.problems import PROBLEM_JSON
from shared.service import create_service
from shared.settings import REPO_ROOT, SERVICE_PORTS

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
SERVICE_DIR = Path(REPO_ROOT / "services" / "requests")


class NoteIn(BaseModel):
    text: str


def officer_or_ops(principal: Annotated[Principal, Depends(require("ops", "social_worker"))]) -> Principal:
    return principal  # a dependency that reaches current_principal only through require()


router = APIRouter()


@router.get("/notes")
async def list_notes(principal: Annotated[Principal, Depends(require("ops"))]) -> list[str]:
    return []


@router.post("/notes", responses=problem_responses(409, 415))
async def create_note(body: NoteIn, principal: Annotated[Principal, Depends(officer_or_ops)]) -> dict:
    return {}


@router.get("/notes/{note_id}")
async def get_note(note_id: str, principal: Annotated[Principal, Depends(current_principal)]) -> dict:
    return {}


@router.get("/open-notes")
async def list_open_notes() -> list[str]:
    return []


@pytest.fixture(scope="module")
def app():
    return create_service("requests", service_dir=SERVICE_DIR, routers=[router])


@pytest.fixture(scope="module")
def doc(app) -> dict:
    return app.openapi()


def operation(doc: dict, method: str, path: str) -> dict:
    return doc["paths"][path][method]


@pytest.mark.parametrize("name, expected", [("list_invoices", "listInvoices"), ("approve_payment_run",
                                            "approvePaymentRun"), ("get", "get"), ("_private__name", "privateName")])
def test_an_operation_id_is_the_function_name_in_camel_case(name, expected):
    assert camel_case(name) == expected


def test_operation_ids_are_the_function_names(doc):
    ids = {f"{m.upper()} {p}": op["operationId"] for p, item in doc["paths"].items() for m, op in item.items()}
    assert ids == {"GET /health": "getHealth", "GET /ready": "getReadiness", "GET /metrics": "getMetrics",
                   "GET /asyncapi.json": "getAsyncApi", "GET /notes": "listNotes", "POST /notes": "createNote",
                   "GET /notes/{note_id}": "getNote", "GET /open-notes": "listOpenNotes"}


def test_two_operations_with_one_operation_id_refuse_to_build_naming_both():
    first, second = APIRouter(), APIRouter()

    @first.get("/invoices")
    async def list_items() -> list:
        return []

    @second.get("/agreements")
    async def list_items() -> list:  # noqa: F811 - the duplicate under test
        return []

    with pytest.raises(ValueError, match=r"'listItems'.*GET /invoices.*GET /agreements"):
        create_service("requests", service_dir=SERVICE_DIR, routers=[first, second])


def test_a_route_needing_a_token_documents_bearer_security_401_and_403(doc):
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": doc["components"][
            "securitySchemes"]["bearer"]["description"]}
    for method, path in (("get", "/notes"), ("post", "/notes"), ("get", "/notes/{note_id}")):
        op = operation(doc, method, path)
        assert op["security"] == [{"bearer": []}], (method, path)
        assert op["responses"]["401"]["content"] == PROBLEM and op["responses"]["403"]["content"] == PROBLEM


def test_open_routes_have_no_security_and_health_no_503(doc):
    for method, path in (("get", "/health"), ("get", "/open-notes"), ("get", "/metrics")):
        op = operation(doc, method, path)
        assert "security" not in op and "403" not in op["responses"], path
    assert "503" not in operation(doc, "get", "/health")["responses"]
    assert "503" not in operation(doc, "get", "/metrics")["responses"]
    assert operation(doc, "get", "/open-notes")["responses"]["503"]["content"] == PROBLEM


def test_dependencies_are_followed_to_any_depth():
    route = next(r for r in router.routes if r.name == "create_note")
    assert depends_on(route.dependant, current_principal)
    assert not depends_on(next(r for r in router.routes if r.name == "list_open_notes").dependant, current_principal)


def test_every_422_is_a_problem_and_fastapis_validation_schemas_are_gone(doc):
    text = json.dumps(doc)
    assert "HTTPValidationError" not in text and '"#/components/schemas/ValidationError"' not in text
    assert set(doc["components"]["schemas"]) >= {"Problem", "ProblemError"}
    for method, path in (("post", "/notes"), ("get", "/notes/{note_id}")):
        assert operation(doc, method, path)["responses"]["422"]["content"] == PROBLEM
    assert "422" not in operation(doc, "get", "/notes")["responses"]  # no parameters, no body


def test_path_parameters_bring_404_and_a_body_413(doc):
    assert operation(doc, "get", "/notes/{note_id}")["responses"]["404"]["content"] == PROBLEM
    assert "404" not in operation(doc, "get", "/notes")["responses"]
    assert operation(doc, "post", "/notes")["responses"]["413"]["content"] == PROBLEM
    assert "413" not in operation(doc, "get", "/notes/{note_id}")["responses"]


def test_a_post_takes_an_idempotency_key_and_documents_409_and_what_the_route_declared(doc):
    op = operation(doc, "post", "/notes")
    [key] = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
    assert (key["in"], key["required"]) == ("header", False)
    assert key["schema"] == {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]{1,200}$"}
    assert {"409", "415", "422"} <= set(op["responses"])
    assert op["responses"]["415"]["content"] == PROBLEM
    assert not any(p["name"] == "Idempotency-Key" for p in operation(doc, "get", "/notes/{note_id}")["parameters"])


def test_the_operations_routes_have_schemas(doc):
    ready = operation(doc, "get", "/ready")["responses"]
    assert ready["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Readiness"}
    assert ready["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Readiness"}
    metrics = operation(doc, "get", "/metrics")["responses"]
    assert metrics["200"]["content"]["text/plain"]["schema"] == {"type": "string"}
    assert metrics["401"]["content"] == PROBLEM
    asyncapi = operation(doc, "get", "/asyncapi.json")["responses"]["200"]["content"]["application/json"]["schema"]
    assert asyncapi["type"] == "object"


def test_400_and_431_are_described_once_not_per_operation(doc):
    assert "**400**" in doc["info"]["description"] and "**431**" in doc["info"]["description"]
    assert not any(s in op["responses"] for item in doc["paths"].values() for op in item.values() for s in ("400", "431"))


# The reporting dashboard's pages answer a browser: refused, they show the sign-in page (HTML), not a problem;
# so do its single sign-on's doors when it is not set up (404) or the identity provider is away (503).
BROWSER_PAGES = {("reporting", "/"), ("reporting", "/dashboard/sign-in"), ("reporting", "/dashboard/sign-out"),
                 ("reporting", "/dashboard/callback")}
SIGN_IN_PAGE = {"text/html": {"schema": {"type": "string"}}}
SSO_PAGES = {("reporting", "get", "/dashboard/sign-in"), ("reporting", "get", "/dashboard/callback")}


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_every_error_a_service_documents_is_a_problem(service):
    doc = importlib.import_module(f"services.{service}.app").app.openapi()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if (service, path) in BROWSER_PAGES and status in ("401", "403") or (
                        (service, method, path) in SSO_PAGES and status in ("404", "503")):
                    assert response.get("content") == SIGN_IN_PAGE, f"{service} {method.upper()} {path} {status}"
                elif int(status) >= 400 and path != "/ready":
                    assert response.get("content") == PROBLEM, f"{service} {method.upper()} {path} {status}"


def test_the_reference_page_is_served_with_the_packages_assets_not_a_cdn(app):
    client = TestClient(app)
    page = client.get("/reference")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text), "the page loads nothing from another site"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/reference/assets/swagger-ui-bundle.js" in assets and '"/openapi.json"' in page.text
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and served.content, asset
    assert "SwaggerUIBundle" in client.get("/reference/assets/swagger-ui-bundle.js").text
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    doc = client.get("/openapi.json").json()
    assert not [p for p in doc["paths"] if p.startswith("/reference")]


def _constraint_keys(node, where="#"):
    """Where a schema carries pydantic's constraint names (ge, le, gt, lt) instead of JSON Schema's."""
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("integer", "number") and {"ge", "le", "gt", "lt"} & node.keys():
            found.append(where)
        for key, value in node.items():
            found += _constraint_keys(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _constraint_keys(value, f"{where}/{i}")
    return found


@pytest.mark.parametrize("path", sorted(OPENAPI_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_bounds_are_stated_as_json_schema_minimum_and_maximum(path):
    """A bound nested behind a validator (Annotated[Annotated[int, BeforeValidator], Field(ge=1)]) is written
    by pydantic as "ge": 1, which no client or generator reads: the document then allows what the model refuses."""
    assert _constraint_keys(json.loads(path.read_text())) == []
