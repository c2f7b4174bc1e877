"""Turning raw feed records (dicts, JSON) into `AttendanceRecord`s or `Reject`s, in batches.

Validation is batched through one `TypeAdapter(list[...])` call because per-call overhead
dominates (~18 µs a record one by one, ~4 µs in a batch). A batch with bad records is
validated once to find them and once more without them, so good records never wait on bad ones.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.rejects import Problem, Reason, Reject, quoted

_BATCH = TypeAdapter(list[AttendanceRecord])
_KNOWN_REASONS = frozenset(r.value for r in Reason)
DEFAULT_BATCH_SIZE = 2000
_BROKEN = object()  # a payload that is not JSON (a JSON `null` is a record, rejected as not an object)


@dataclass(slots=True)
class ValidatedBatch:
    """Valid records (with the row each came from) and rejects, in row order within each list."""

    records: list[AttendanceRecord] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def validate_batch(raws: Sequence[Any], *, provider_ref: str | None = None,
                   rows: Sequence[int] | None = None) -> ValidatedBatch:
    """Validate raw records (dicts of strings or JSON values) in one pass.

    `provider_ref` is the provider the feed is for (from the URL, the token or the file); a record
    naming another provider is rejected as `provider_mismatch`. `rows` numbers the records for
    the rejects (default: their 0-based index).
    """
    rows = range(len(raws)) if rows is None else rows
    problems: dict[int, list[Problem]] = {}
    if provider_ref is not None:
        _check_provider(raws, provider_ref, problems)
    try:
        records = _BATCH.validate_python(raws)
    except ValidationError as e:
        _collect(e, problems)
        good = [i for i in range(len(raws)) if i not in problems]
        records = _BATCH.validate_python([raws[i] for i in good])
        return _result(raws, rows, problems, records, good)
    if problems:  # only provider mismatches, on otherwise valid records
        good = [i for i in range(len(raws)) if i not in problems]
        return _result(raws, rows, problems, [records[i] for i in good], good)
    return ValidatedBatch(records, list(rows), [])


def validate_json_batch(payloads: Sequence[bytes], *, provider_ref: str | None = None,
                        rows: Sequence[int] | None = None) -> ValidatedBatch:
    """Validate JSON objects (e.g. the values of a batch of `ecm.visits` messages) in one pass.

    The payloads are joined into one JSON array so pydantic parses them in a single call; when any
    is invalid the batch falls back to decoding each payload alone, to name every broken one.
    """
    rows = list(range(len(payloads)) if rows is None else rows)
    try:
        records = _BATCH.validate_json(b"[" + b",".join(payloads) + b"]")
    except ValidationError:
        pass  # the slow path below names every problem
    else:
        # One record per payload, or the slow path: an empty payload, or one holding `{...},{...}`, would
        # otherwise join into the array as none or two records and shift every later one onto another's row.
        if len(records) == len(payloads) and (
                provider_ref is None or all(r.provider_ref == provider_ref for r in records)):
            return ValidatedBatch(records, rows, [])
    raws: list[Any] = []
    broken: list[Reject] = []
    for i, payload in enumerate(payloads):
        try:
            raws.append(json.loads(payload))
        except (ValueError, RecursionError) as e:
            raws.append(_BROKEN)
            why = e if isinstance(e, ValueError) else "nested too deeply"
            broken.append(Reject(rows[i], (Problem(None, Reason.JSON_INVALID, f"not JSON: {why}"),), payload))
    keep = [i for i, raw in enumerate(raws) if raw is not _BROKEN]
    result = validate_batch([raws[i] for i in keep], provider_ref=provider_ref, rows=[rows[i] for i in keep])
    return _with_early(result, broken)


def validate_feed(items: Iterable[tuple[int, Mapping[str, str]] | Reject], *, provider_ref: str | None,
                  batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[ValidatedBatch]:
    """Validate the rows a file reader yields, `batch_size` at a time (memory stays bounded).

    Rows the reader could not even split (a `Reject`) join the rejects of the batch they fall in.
    """
    raws: list[Mapping[str, str]] = []
    numbers: list[int] = []
    early: list[Reject] = []
    for item in items:
        if isinstance(item, Reject):
            early.append(item)
            continue
        numbers.append(item[0])
        raws.append(item[1])
        if len(raws) >= batch_size:
            yield _with_early(validate_batch(raws, provider_ref=provider_ref, rows=numbers), early)
            raws, numbers, early = [], [], []
    if raws or early:
        yield _with_early(validate_batch(raws, provider_ref=provider_ref, rows=numbers), early)


def _with_early(batch: ValidatedBatch, early: list[Reject]) -> ValidatedBatch:
    if early:
        batch.rejects = sorted(batch.rejects + early, key=lambda r: r.row)
    return batch


def _check_provider(raws: Sequence[Any], provider_ref: str, problems: dict[int, list[Problem]]) -> None:
    for i, raw in enumerate(raws):
        named = raw.get("provider_ref") if isinstance(raw, Mapping) else None
        if isinstance(named, str) and named.strip() and named.strip() != provider_ref:
            problems[i] = [Problem("provider_ref", Reason.PROVIDER_MISMATCH,
                                   f"provider_ref {quoted(named)} is not the provider of this feed "
                                   f"({quoted(provider_ref)}): send each provider's visits under its own reference")]


def _collect(error: ValidationError, problems: dict[int, list[Problem]]) -> None:
    for err in error.errors(include_url=False):
        loc = err["loc"]
        index = loc[0]
        ctx = err.get("ctx") or {}
        name = ctx.get("field") or (str(loc[1]) if len(loc) > 1 else None)
        reason = err["type"]
        message = err["msg"]
        if reason == "missing" or reason == "string_too_short" or (reason == "string_type" and err["input"] is None):
            reason = Reason.MISSING_CARER_ID if name == "carer_id" else Reason.MISSING_FIELD
            message = f"{name} is required"
        elif reason == "string_pattern_mismatch":
            reason, message = Reason.INVALID_VALUE, f"{name} contains a NUL character: remove it"
        elif reason == "string_too_long":
            reason = Reason.INVALID_VALUE
            message = f"{name} is longer than {ctx['max_length']} characters: send the reference your system holds"
        elif reason == "model_type" and len(loc) == 1:
            reason, message = Reason.NOT_AN_OBJECT, "a visit record must be a JSON object"
        elif reason not in _KNOWN_REASONS:
            reason, message = Reason.INVALID_VALUE, f"{name}: {message}"
        problems.setdefault(index, []).append(Problem(name, str(reason), message))


def _result(raws: Sequence[Any], rows: Sequence[int], problems: dict[int, list[Problem]],
            records: list[AttendanceRecord], good: list[int]) -> ValidatedBatch:
    rejects = [Reject(rows[i], tuple(found), raws[i]) for i, found in sorted(problems.items())]
    return ValidatedBatch(records, [rows[i] for i in good], rejects)
