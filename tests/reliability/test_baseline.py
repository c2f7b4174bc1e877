"""The undisturbed month every fault is compared with: what it produced, and that it is repeatable."""
from __future__ import annotations

import pytest

from tests.e2e.payment_files import pain001_control_sum, read_bacs
from tests.reliability.conftest import assert_same, run_the_month
from tests.reliability.results import paid_twice

pytestmark = pytest.mark.stack


async def test_the_undisturbed_month_verifies_invoices_and_pays_every_week(baseline, today):
    month, results = baseline.month, baseline.results
    home_care = month.council.of_care("home_care")
    assert len(results.actuals) == 4 * len(home_care)
    assert sum(a[4] for a in results.actuals.values()) > 0
    confirmed = [key for key, a in results.actuals.items() if a[0] == "confirmed"]
    assert len(confirmed) == len(month.ledger.confirmed) > 3 * len(home_care)
    kinds = {i[0] for i in results.invoices}
    assert kinds == {"self_billed", "provider", "scheduled", "isf_advance", "credit_note"}, kinds
    for series, numbers in results.numbers.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{series} is not gapless from 1: {numbers}"
    assert set(month.runs) == {"weekly", "four_weekly", "managed", "next_four_weekly"}
    surplus = next(p for p in month.council.people if p.isf_return == "json_surplus")
    (returned,) = results.isf_returns[surplus.ref.removeprefix(month.council.tag + "-")]
    assert returned[1] == "accepted" and returned[-1] is not None, returned  # its surplus reclaimed
    assert any(capped for _, capped, *_ in results.charges.values()), "no charge was capped at the cost of care"
    for kind, done in month.runs.items():
        bacs = read_bacs(done.files["bacs"])
        assert bacs.contra_pence == sum(bacs.credits.values()) == done.total_pence > 0
        assert pain001_control_sum(done.files["pain001"]) == done.total_pence
    assert await paid_twice(month, today) == []


async def test_the_same_month_run_again_undisturbed_gives_the_same_results(baseline, today):
    """Without this, a difference under a fault could be the scenario's own randomness."""
    again = await run_the_month(today)
    print(f"\nsecond undisturbed month {again.month.council.tag}: {again.seconds}s, settled in {again.settled_in}s")
    assert_same(again, baseline)
