"""HTTP of the agreements service, one router per resource; `models` holds what it accepts and returns."""
from services.agreements.api import (agreement_changes, agreements, brokerage, commitments, direct_payments,
                                     providers)
from services.agreements.api import personal_assistant_bank_details, personal_assistants

ROUTERS = [brokerage.router, providers.router, agreements.router, agreement_changes.router, direct_payments.router,
           commitments.router]
ROUTERS += [personal_assistants.router, personal_assistant_bank_details.router]
