"""Generate the committed contract documents, and compare them with the code.

- `contracts/asyncapi/<service>.json`: each service's AsyncAPI document, as its /asyncapi.json serves it.
- `contracts/openapi/<service>.json`: each service's OpenAPI document, as its /openapi.json serves it (the app
  is built from services/<service>/app.py, not started).
- `contracts/schemas/<EventType>.v<N>.json`: the JSON schema of every registered event version,
  the baseline against which incompatible changes are caught.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from contracts.registry import all_events
from shared.schemas import inline_refs
from shared.settings import REPO_ROOT, SERVICE_PORTS

ASYNCAPI_DIR = REPO_ROOT / "contracts" / "asyncapi"
OPENAPI_DIR = REPO_ROOT / "contracts" / "openapi"
SCHEMA_DIR = REPO_ROOT / "contracts" / "schemas"


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _app(service: str) -> Any:
    return importlib.import_module(f"services.{service}.app").app


def asyncapi_documents() -> dict[str, str]:
    """service -> its AsyncAPI document as committed text (server host normalised)."""
    docs = {}
    for service in SERVICE_PORTS:
        doc = _app(service).state.runtime.asyncapi()
        # The broker address depends on where it runs; the committed document names the default.
        for server in doc.get("servers", {}).values():
            server["host"] = "127.0.0.1:9092"
        docs[service] = _dump(doc)
    return docs


def openapi_documents() -> dict[str, str]:
    """service -> its OpenAPI document as committed text."""
    return {service: _dump(_app(service).openapi()) for service in SERVICE_PORTS}


def event_schemas() -> dict[str, str]:
    """'<EventType>.v<N>' -> the event payload's JSON schema as committed text."""
    return {f"{event_type}.v{version}": _dump(inline_refs(model.model_json_schema()))
            for (event_type, version), model in sorted(all_events().items())}


def write_all() -> list[Path]:
    """(Re)write every document; return the paths that changed."""
    changed = []
    for folder, docs in ((ASYNCAPI_DIR, asyncapi_documents()), (OPENAPI_DIR, openapi_documents()),
                         (SCHEMA_DIR, event_schemas())):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in docs.items():
            path = folder / f"{name}.json"
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
                changed.append(path)
    return changed


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Ways `new` breaks consumers of `old`: a required field removed, retyped, or newly required."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(old_required):
        if name not in new_props:
            problems.append(f"required field {name!r} removed")
        elif _shape(old_props[name]) != _shape(new_props[name]):
            problems.append(f"required field {name!r} changed type")
    for name in sorted(new_required - old_required):
        problems.append(f"field {name!r} is newly required")
    return problems


def _shape(prop: dict[str, Any]) -> Any:
    # Descriptions and titles may change freely; types, formats, enums and nesting may not.
    if isinstance(prop, dict):
        return {k: _shape(v) for k, v in prop.items() if k not in ("description", "title", "examples", "default")}
    if isinstance(prop, list):
        return [_shape(v) for v in prop]
    return prop
