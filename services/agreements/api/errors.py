"""Turning a domain refusal into a problem that names the field and the rule, like FastAPI's own 422:
`Rejected` (the request breaks a rule) is 422, `Conflict` (what is stored does not allow it now) is 409 with
its code. The field is the body's unless the route names it as one of its path parameters."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from shared.problems import ApiProblem
from services.agreements.domain.errors import Conflict, Rejected


def _where(field: str, path_fields: tuple[str, ...]) -> list[Any]:
    parts: list[Any] = [int(p) if p.isdigit() else p for p in field.split(".")]
    return ["path" if parts[0] in path_fields else "body", *parts]


def unprocessable(field: str, rule: str, *, path_fields: tuple[str, ...] = (), code: str | None = None) -> ApiProblem:
    loc = _where(field, path_fields)
    return ApiProblem(422, code, f"{'.'.join(map(str, loc))}: {rule}",
                      errors=[{"loc": loc, "msg": rule, "type": "business_rule"}])


def conflicting(refusal: Conflict, *, path_fields: tuple[str, ...] = ()) -> ApiProblem:
    if refusal.field is None:
        return ApiProblem(409, refusal.code, refusal.rule)
    loc = _where(refusal.field, path_fields)
    return ApiProblem(409, refusal.code, f"{'.'.join(map(str, loc))}: {refusal.rule}",
                      errors=[{"loc": loc, "msg": refusal.rule, "type": refusal.code}])


@contextmanager
def refusals(*path_fields: str) -> Iterator[None]:
    """Wrap a transaction: a refusal rolls everything back and answers 422 (Rejected, or a combination the
    contract's models refuse) or 409 (Conflict). `path_fields`: the route's path parameters a refusal may name."""
    try:
        yield
    except Rejected as refusal:
        raise unprocessable(refusal.field, refusal.rule, path_fields=path_fields, code=refusal.code) from refusal
    except Conflict as refusal:
        raise conflicting(refusal, path_fields=path_fields) from refusal
    except ValidationError as invalid:  # a combination the contract's models refuse
        raise ApiProblem(422, None, "the request makes a combination the rules refuse: see errors", errors=[
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in invalid.errors()]) from invalid
