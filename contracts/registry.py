"""Every event type and schema version Carepay publishes, found by name.

Producer modules register their events with `@register`. A consumer uses `lookup` to turn an
envelope's (event_type, schema_version) into the payload model; an unknown pair is a poison
message.
"""
from __future__ import annotations

from typing import TypeVar

from contracts.envelope import Event

E = TypeVar("E", bound=type[Event])

_EVENTS: dict[tuple[str, int], type[Event]] = {}


def register(cls: E) -> E:
    """Class decorator: make an event type known to every consumer."""
    key = (cls.EVENT_TYPE, cls.SCHEMA_VERSION)
    if key in _EVENTS and _EVENTS[key] is not cls:
        raise ValueError(f"event {key} registered twice")
    _EVENTS[key] = cls
    return cls


def lookup(event_type: str, schema_version: int) -> type[Event] | None:
    """The payload model of (event_type, schema_version), or None when unknown."""
    _load_all()
    return _EVENTS.get((event_type, schema_version))


def all_events() -> dict[tuple[str, int], type[Event]]:
    """Every registered (event_type, schema_version) and its model."""
    _load_all()
    return dict(_EVENTS)


_loaded = False


def _load_all() -> None:
    # Importing every producer module in this package registers its events. Once per process:
    # scanning the package costs about 0.4 ms, and consumers look up every message they decode.
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    import contracts

    for module in pkgutil.iter_modules(contracts.__path__):
        importlib.import_module(f"contracts.{module.name}")
    _loaded = True
