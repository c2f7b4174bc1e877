"""schemathesis against every service's OpenAPI document, with a valid token for a role the
operation lets in: no response is a 5xx, and every response matches its documented content type
and schema.

Examples are few per operation (the whole run stays around two minutes) and both valid and
invalid input is sent. Operations that would act on the whole shared stack given valid input
(propose a payment run, raise a period's scheduled invoices, register a provider, file an invoice
for any provider) get only invalid input: their effects are tested by their own services' tests.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.conftest import auth, url
from tests.integration.hostile.authz_matrix import MATRIX

pytestmark = pytest.mark.stack

MAX_EXAMPLES = 8
# A role the operation lets in, officers first: a provider or person token would mostly meet 403/404.
PREFERENCE = ("finance_officer", "brokerage_officer", "social_worker", "finance_approver", "ops", "person", "provider")
ONLY_INVALID_INPUT = {
    ("payments", "POST /payment-runs"),
    ("invoicing", "POST /invoices/scheduled"),
    ("agreements", "POST /providers"),
    ("invoicing", "POST /providers/{provider_id}/invoices"),
    ("invoicing", "POST /providers/{provider_id}/invoices/csv"),
}


def _schema(service: str):
    """The service's live document; an empty one when the stack is down (the `stack` fixture then
    fails the test saying so, instead of the whole collection failing)."""
    try:
        return schemathesis.openapi.from_url(f"{url(service)}/openapi.json", timeout=10)
    except Exception:  # noqa: BLE001 - any failure to load means "the stack is not up"
        return schemathesis.openapi.from_dict({"openapi": "3.1.0", "info": {"title": service, "version": "0"},
                                               "paths": {}})


SERVICE_AT = {url(service): service for service in MATRIX}


def headers_for(service: str, endpoint: str) -> dict[str, str]:
    """A valid token for a role `endpoint` lets in (none for the open routes)."""
    rule = MATRIX[service].get(endpoint)
    if rule is None:
        return {}
    role = next(r for r in PREFERENCE if r in rule.roles)
    return auth(role, provider="PRV-FUZZ" if role == "provider" else None,
                person="P-FUZZ" if role == "person" else None)


@schemathesis.pytest.parametrize(**{service: _schema(service) for service in MATRIX})
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_every_response_matches_its_schema(case, stack):
    service = SERVICE_AT[case.operation.base_url.rstrip("/")]
    endpoint = f"{case.method.upper()} {case.operation.path}"
    if (service, endpoint) in ONLY_INVALID_INPUT and not case.meta.generation.mode.is_negative:
        return
    case.call_and_validate(headers=headers_for(service, endpoint), timeout=30,
                           checks=[not_a_server_error, content_type_conformance, response_schema_conformance])
