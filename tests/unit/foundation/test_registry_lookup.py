"""Looking up an event type does not scan the contracts package again for every message."""
from __future__ import annotations

import pkgutil

from contracts.registry import all_events, lookup


def test_the_contracts_package_is_scanned_once_per_process(monkeypatch):
    all_events()  # whatever ran before, the registry is loaded now
    scans = []
    original = pkgutil.iter_modules
    monkeypatch.setattr(pkgutil, "iter_modules", lambda *a, **k: scans.append(1) or original(*a, **k))
    for _ in range(3):
        assert lookup("ServiceRequested", 1) is not None
    assert scans == []
