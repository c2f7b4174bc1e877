"""Turning a domain refusal into a 422 that names the field and the rule, like FastAPI's own."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status
from pydantic import ValidationError

from services.agreements.domain.errors import Rejected


def unprocessable(field: str, rule: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                         detail=[{"loc": ["body", *field.split(".")], "msg": rule, "type": "business_rule"}])


@contextmanager
def rules_as_422() -> Iterator[None]:
    """Wrap a transaction: a refusal rolls everything back and answers 422."""
    try:
        yield
    except Rejected as refusal:
        raise unprocessable(refusal.field, refusal.rule) from refusal
    except ValidationError as invalid:  # a combination the contract's models refuse
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=[{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
                                    for e in invalid.errors()]) from invalid
