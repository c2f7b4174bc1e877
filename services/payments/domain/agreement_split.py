"""An invoice judged and charged agreement by agreement (its `agreement_periods`).

Judged: an invoice is left out as after its agreement's end only when the days it charges some agreement
run past THAT agreement's last payable day; an invoice naming several people, one of whom died that week,
is paid when its lines for that person stop at the death. Without periods (an invoice told before
invoicing said them) the whole period is held to the earliest end of its agreements.

Charged: the invoice's amount is split between its agreements in proportion to the amounts the periods
give, by the largest remainder: each agreement gets the whole pence of its exact share, and the pence
left over go one each to the largest fractional parts (ties to the earlier agreement as listed), so the
split always sums exactly to the amount. Periods whose amounts sum to 0 split it evenly. A credit note is
split only over the periods of ITS agreements (CreditNoteIssued.agreement_ids) on the invoice it corrects,
in their proportions: an overpayment credit for one person's agreement charges that agreement's cost centre
alone. None of its agreements known there: it is not split (the invoice's cost centre, else the default).
"""
from __future__ import annotations

from collections.abc import Sequence

from shared.money import split_pence

from services.payments.domain.inputs import AgreementShare
from services.payments.domain.run_lines import Charge



def charges_of(amount_pence: int, shares: Sequence[AgreementShare], *, held_to_end: bool = True) -> tuple[Charge, ...]:
    """The line's amount charged to each agreement (signed like the amount; a credit note's are negative).
    A credit on an invoice already paid gives money back: it is not held to its agreements' ends."""
    parts = split_pence(amount_pence, [s.amount_pence for s in shares])
    return tuple(Charge(s.agreement_id, s.cost_centre, part, s.last_day, s.end if held_to_end else None)
                 for s, part in zip(shares, parts))


def credited_shares(shares: Sequence[AgreementShare], agreement_ids: Sequence[str]) -> tuple[AgreementShare, ...]:
    """The corrected invoice's periods of the agreements a credit note credits (none named: none)."""
    credited = set(agreement_ids)
    return tuple(s for s in shares if s.agreement_id in credited)


def past_their_end(shares: Sequence[AgreementShare]) -> list[AgreementShare]:
    """The agreements whose charged days run past their own last payable day."""
    return [s for s in shares if s.runs_past_end]


def after_end_detail(shares: Sequence[AgreementShare]) -> str:
    return "; ".join(f"charges agreement {s.agreement_id} for days to {s.last_day} but it ended on {s.end}"
                     for s in shares)
