"""The collector paused for a batch is enabled again after it, however the batch ends."""
from __future__ import annotations

import gc

import pytest

from shared.gc_pause import cyclic_gc_paused


def test_the_collector_is_paused_for_the_batch_and_running_again_after_it():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():  # a second consumer's batch at the same time
            assert not gc.isenabled()
        assert not gc.isenabled()  # still inside the first batch
    assert gc.isenabled()


def test_a_batch_that_fails_still_enables_the_collector_again():
    with pytest.raises(RuntimeError):
        with cyclic_gc_paused():
            raise RuntimeError("handler failed")
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
