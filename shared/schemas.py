"""JSON schemas of what travels on a topic, for the AsyncAPI documents."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

from pydantic import TypeAdapter

from contracts.envelope import Envelope, Event

if TYPE_CHECKING:
    from shared.consumer import BaseConsumer


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace local `$ref`s with the definitions they point to, so the schema stands alone."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = walk(defs[ref.removeprefix("#/$defs/")])
                rest = {k: walk(v) for k, v in node.items() if k != "$ref"}
                return {**target, **rest}
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def tolerant(schema: Any) -> Any:
    """`schema` without `additionalProperties: false` anywhere. Events are read tolerantly
    (contracts.tolerant): their documents do not forbid the fields a reader does not know."""
    if isinstance(schema, dict):
        return {k: tolerant(v) for k, v in schema.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(schema, list):
        return [tolerant(v) for v in schema]
    return schema


def envelope_union(models: list[type[Event]]) -> Any:
    """The type of an envelope carrying any one of `models`."""
    types = tuple(Envelope[m] for m in models)  # type: ignore[valid-type]
    return types[0] if len(types) == 1 else Union[types]  # noqa: UP007


def events_schema(models: list[type[Event]]) -> dict[str, Any]:
    """A standalone JSON schema of one envelope carrying any of `models`."""
    if not models:
        return {"type": "object", "description": "No events are handled from this topic."}
    return tolerant(inline_refs(TypeAdapter(envelope_union(models)).json_schema()))


def consumer_payload_schema(consumer: "BaseConsumer") -> dict[str, Any]:
    """The schema of ONE record on the consumer's topic (consumed in batches, sent one by one)."""
    if consumer.payload_schema is not None:
        return consumer.payload_schema
    return events_schema(list(consumer.reads()))
