"""The commitment an invoice is bounded by: the agreement's weekly commitment over the invoice's weeks.

The agreements service publishes each agreement's weekly commitment (CommitmentChanged). A
commitment is weekly, so an invoice is bounded by the whole Monday–Sunday weeks its period
touches (a provider may invoice a week's visits over the four days they fell on): weekly x payable
days in those weeks / 7, payable meaning active and not suspended, rounded half up once. A week
cut by the agreement's start or end is bounded by its payable days only.
"""
from __future__ import annotations

from shared.money import round_half_up
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.periods import Period


def commitment_for_period(weekly_pence: int, agreement: AgreementOnFile, period: Period) -> int:
    weeks = period.weeks()
    whole = Period(weeks[0].first, weeks[-1].last)
    payable_days = sum(1 for day in whole.days() if agreement.is_payable_on(day))
    return round_half_up(weekly_pence * payable_days, 7)
