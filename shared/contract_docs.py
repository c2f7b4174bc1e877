"""Generate the committed contract documents, and compare them with the code.

- `contracts/asyncapi/<service>.json`: each service's AsyncAPI document, as its /asyncapi.json serves it.
- `contracts/openapi/<service>.json`: each service's OpenAPI document, as its /openapi.json serves it (the app
  is built from services/<service>/app.py, not started).
- `contracts/schemas/<EventType>.v<N>.json`: the JSON schema of every registered event version,
  the baseline against which incompatible changes are caught (`shared.compatibility`: the rule).
  Events are read tolerantly, so these documents forbid no field a reader does not know.
- `contracts/released/`: the same schemas, and the envelope's, as at the last release
  (`carepay contracts --release` at each release); tests/unit/contracts proves that the released
  readers read today's events and today's readers read the released events.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from contracts.envelope import RawEnvelope
from contracts.registry import all_events
from shared.schemas import inline_refs, tolerant
from shared.settings import REPO_ROOT, SERVICE_PORTS

ASYNCAPI_DIR = REPO_ROOT / "contracts" / "asyncapi"
OPENAPI_DIR = REPO_ROOT / "contracts" / "openapi"
SCHEMA_DIR = REPO_ROOT / "contracts" / "schemas"
RELEASED_DIR = REPO_ROOT / "contracts" / "released"
ENVELOPE = "Envelope"  # contracts/released/Envelope.json: the envelope, its payload any object


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
    return {f"{event_type}.v{version}": _dump(tolerant(inline_refs(model.model_json_schema())))
            for (event_type, version), model in sorted(all_events().items())}


def envelope_schema() -> dict[str, Any]:
    """The envelope's JSON schema, whatever its payload."""
    return tolerant(inline_refs(RawEnvelope.model_json_schema()))


def write_release() -> list[Path]:
    """Snapshot the schemas of every event version and of the envelope in contracts/released/ (at a
    release); return the paths written or removed."""
    docs = {**event_schemas(), ENVELOPE: _dump(envelope_schema())}
    RELEASED_DIR.mkdir(parents=True, exist_ok=True)
    changed = []
    for path in sorted(RELEASED_DIR.glob("*.json")):
        if path.stem not in docs:
            path.unlink()
            changed.append(path)
    for name, text in docs.items():
        path = RELEASED_DIR / f"{name}.json"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


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
