"""What a client sends each service, for the tests of its edge: the schema of every part of a request as the
service's OpenAPI document states it (each with where it is: `invoicing GET /invoices query:provider_id`,
`queries POST /queries body.attachments[].ref`), and a client of the app (`as_role`). The apps are imported,
nothing is started."""
from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from shared.auth import mint_token
from shared.settings import Settings

SERVICES = ("agreements", "delivery", "invoicing", "payments", "queries", "reporting", "requests")
# Bodies that are files (a CSV upload, a bank's confirmation file, delivery's visit files): read row by row, held
# by the body size caps, not by a schema of their text.
FILE_BODIES = {"multipart/form-data", "text/csv", "application/octet-stream",
               "application/csv", "application/xml", "text/xml"}


def app_of(service: str):
    return importlib.import_module(f"services.{service}.app").app


def document(service: str) -> dict:
    return app_of(service).openapi()


@pytest.fixture
def as_role(monkeypatch):
    """A TestClient of a service's app (no lifespan: nothing is started) and a token of `role`: what a client
    sees of the requests FastAPI refuses before the route (or the database) is reached."""
    def make(service: str, role: str) -> tuple[TestClient, dict[str, str]]:
        app = app_of(service)
        settings = Settings(service=service, port=0)
        monkeypatch.setattr(app.state, "runtime", SimpleNamespace(settings=settings), raising=False)
        token = mint_token(settings.auth_secret, subject="u1", role=role)
        return TestClient(app, raise_server_exceptions=False), {"Authorization": f"Bearer {token}"}
    return make


def nodes(doc: dict, schema: dict, where: str, seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, dict]]:
    """`schema` and every schema under it a value may have to match (branches, items, properties), with where
    it is; a `$ref` is followed once per path. A Decimal's string branch (number or numeric string) is left out:
    pydantic reads it as a number."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen, schema = seen | {name}, doc["components"]["schemas"][name]
    yield where, schema
    branches = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    is_decimal = any(b.get("type") == "number" for b in branches)
    for branch in branches:
        if not (is_decimal and branch.get("type") == "string"):
            yield from nodes(doc, branch, where, seen)
    if schema.get("type") == "array":
        yield from nodes(doc, schema.get("items", {}), f"{where}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        yield from nodes(doc, sub, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from nodes(doc, schema["additionalProperties"], f"{where}.*", seen)


def request_nodes(service: str, parts: tuple[str, ...]) -> Iterator[tuple[str, dict, dict]]:
    """(where, schema, document) of every schema node of the parameters `in` one of `parts` (query, path,
    header, cookie) and, with "body" among `parts`, of every body that is not a file."""
    doc = document(service)
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            at = f"{service} {method.upper()} {path}"
            for param in op.get("parameters", []):
                if param["in"] in parts:
                    for where, schema in nodes(doc, param.get("schema", {}), f"{at} {param['in']}:{param['name']}"):
                        yield where, schema, doc
            if "body" in parts:
                for media, content in op.get("requestBody", {}).get("content", {}).items():
                    if media not in FILE_BODIES:
                        for where, schema in nodes(doc, content.get("schema", {}), f"{at} body"):
                            yield where, schema, doc
