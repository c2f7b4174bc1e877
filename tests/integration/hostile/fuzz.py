"""Schemathesis's own runner (`st run`) against every service's live OpenAPI document, every check but the
response time, with valid and invalid input: in `make test` the examples, fuzzing and stateful phases;
`make test-api` adds coverage.

The seven services are fuzzed at the same time, one `st run` each; each operation is called with a token
of a role it lets in (fuzz_hooks). Operations that given valid input would act on the whole shared stack
(propose a payment run, raise a period's scheduled invoices, ISF advances or contribution charges, register a
provider, file an invoice for any provider) get only invalid input: a second run per service takes just those, negative only.
Their effects are tested by their own services' tests.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from schemathesis.config import PositiveDataAcceptanceConfig

from tests.conftest import url
from tests.integration.hostile.authz_matrix import MATRIX

ROOT = Path(__file__).resolve().parents[3]
ST = Path(sys.executable).with_name("st")
ONLY_INVALID_INPUT = {
    "payments": ["POST /payment-runs"],
    "invoicing": ["POST /invoices/scheduled", "POST /isf-advances", "POST /contribution-charges/runs",
                  "POST /providers/{provider_id}/invoices", "POST /providers/{provider_id}/invoices/csv"],
    "agreements": ["POST /providers"],
}


# Operations whose valid input (an upload's valid file included: fuzz_samples) is still refused by what the
# service holds, with a status schemathesis counts as a rejection, where no run of the fuzz can give it that
# state: positive_data_acceptance takes those statuses from the operation too, by service and operation, with
# why. Every other operation keeps schemathesis's defaults.
POSITIVE_ALSO: dict[tuple[str, str], tuple[tuple[int, ...], str]] = {
    ("invoicing", "POST /providers/{provider_id}/isf-returns"): ((422,), (
        "a return naming a person the path's provider holds no ISF for in the period is refused 422 on "
        "person_ref, and no stack the fuzz meets holds one for a generated provider and person")),
}


def config_toml(service: str) -> str:
    """The schemathesis configuration of `service`'s runs: POSITIVE_ALSO's operations, each with the statuses
    its valid cases may get."""
    out = []
    for (svc, endpoint), (statuses, why) in POSITIVE_ALSO.items():
        if svc != service:
            continue
        method, path = endpoint.split(" ", 1)
        expected = ", ".join(json.dumps(str(s)) for s in (*PositiveDataAcceptanceConfig().expected_statuses, *statuses))
        out += [f"# {why}", "[[operations]]", f"include-path = {json.dumps(path)}",
                f"include-method = {json.dumps(method)}",
                f"checks.positive_data_acceptance.expected-statuses = [{expected}]", ""]
    return "\n".join(out)


FAILURE_HEADING = re.compile(r"^_{3,} (?:(GET|POST|PUT|PATCH|DELETE) (\S+)|(Stateful) tests) _{3,}$")
FAILURE_CHECK = re.compile(r"^- (ST\d{3}) ")


@dataclass
class Outcome:
    service: str
    mode: str
    status: int
    output: str

    @property
    def found(self) -> set[tuple[str, str, str]]:
        """(service, "METHOD /path", check code) of every failure the run reported."""
        found, operation = set(), None
        for line in re.sub(r"\x1b\[[0-9;]*m", "", self.output).splitlines():
            if heading := FAILURE_HEADING.match(line.strip()):
                operation = "stateful" if heading.group(3) else f"{heading.group(1)} {heading.group(2)}"
            elif (check := FAILURE_CHECK.match(line.strip())) and operation:
                found.add((self.service, operation, check.group(1)))
        return found

    @property
    def failures(self) -> str:
        """The failures section of the run's output (what failed, where, and the curl to replay it)."""
        text = re.sub(r"\x1b\[[0-9;]*m", "", self.output)
        start = text.find("FAILURES")
        return text[start:] if start >= 0 else text[-6000:]


def _filters(service: str, endpoints: list[str], include: bool) -> list[str]:
    """`--include-operation-id`/`--exclude-operation-id` for `endpoints`, by their ids in the live document."""
    document = httpx.get(f"{url(service)}/openapi.json", timeout=10).json()
    args = []
    for endpoint in endpoints:
        method, path = endpoint.split(" ", 1)
        operation_id = document["paths"][path][method.lower()]["operationId"]
        args += ["--include-operation-id" if include else "--exclude-operation-id", operation_id]
    return args


# Every check schemathesis has but the response time ("all" adds a 10 s limit): speed is measured by `make bench`,
# never asserted by a test.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance",
          "missing_required_header", "unsupported_method", "allow_header_conformance", "use_after_free",
          "ensure_resource_availability", "ignored_auth", "object_level_authorization")

# In `make test`: every phase but coverage, whose deterministic walk of every parameter's edges takes minutes a
# service here; `make test-api` runs all four (FUZZ_PHASES=all).
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing,stateful")


async def _run(service: str, mode: str, filters: list[str], max_examples: int) -> Outcome:
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.hostile.fuzz_hooks", "PYTHONPATH": str(ROOT),
           "NO_COLOR": "1"}
    phases = [] if PHASES == "all" else ["--phases", PHASES]
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{service}-") as scratch:
        config = Path(scratch, "schemathesis.toml")
        config.write_text(config_toml(service))
        args = [str(ST), "--config-file", str(config), "run", f"{url(service)}/openapi.json",
                "--checks", ",".join(CHECKS), "--mode", mode, *phases, "--max-examples", str(max_examples), "--generation-deterministic",
                "--continue-on-failure", "--request-timeout", "30", "--suppress-health-check", "all", "--no-color",
                *filters]
        proc = await asyncio.create_subprocess_exec(*args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
    return Outcome(service, mode, proc.returncode, out.decode(errors="replace"))


async def fuzz_every_service(max_examples: int) -> list[Outcome]:
    """One run per service (and one negative-only run of its whole-stack operations); the outcomes."""
    runs = []
    for service in MATRIX:
        only_invalid = ONLY_INVALID_INPUT.get(service, [])
        runs.append(_run(service, "all", _filters(service, only_invalid, include=False), max_examples))
        if only_invalid:
            runs.append(_run(service, "negative", _filters(service, only_invalid, include=True), max_examples))
    return list(await asyncio.gather(*runs))


def unexpected(outcomes: list[Outcome]) -> set[tuple[str, str, str]]:
    """Every failure of every run (none is tolerated); a run that failed without naming any counts as one ("?")."""
    found = set()
    for o in outcomes:
        named = o.found
        if o.status != 0 and not named:
            named = {(o.service, "?", f"exit {o.status}")}
        found |= named
    return found


def report(outcomes: list[Outcome]) -> str:
    failed = [o for o in outcomes if o.status != 0]
    new = sorted(unexpected(outcomes))
    return (f"failures: {new}\n\n" +
            "\n\n".join(f"===== {o.service} ({o.mode}): exit {o.status}\n{o.failures[:8000]}" for o in failed))
