"""All files of a run in one call: every control total equals the run's."""
from __future__ import annotations

from dataclasses import replace

import pytest

from services.payments.domain.errors import PaymentRefused
from services.payments.domain.files.export import export_breaches, export_run
from tests.unit.payments.builders import MAPPING, SETTINGS, a_sound_run


def test_every_file_of_a_sound_run_agrees_with_it():
    run = a_sound_run()
    files = export_run(run, SETTINGS, MAPPING)
    assert export_breaches(run, files) == []
    assert [r.payee_id for r in files.remittances] == ["PRV-1", "PRV-2"]


def test_export_twice_gives_byte_identical_files():
    assert export_run(a_sound_run(), SETTINGS, MAPPING) == export_run(a_sound_run(), SETTINGS, MAPPING)


def test_file_disagreeing_with_the_run_is_caught():
    run = a_sound_run()
    files = export_run(run, SETTINGS, MAPPING)
    tampered = replace(files, bacs=files.bacs.replace(b"00000099999", b"00000099998"))
    assert {b.rule for b in export_breaches(run, tampered)} == {"bacs_total"}


def test_run_whose_lines_do_not_add_up_is_not_exported():
    run = a_sound_run()
    broken = replace(run, payments=(replace(run.payments[0], amount_pence=1),) + run.payments[1:])
    with pytest.raises(PaymentRefused, match="payment_total_mismatch"):
        export_run(broken, SETTINGS, MAPPING)
