"""HTTP of the agreements service, one router per resource; `models` (with `direct_payment_models`,
`personal_assistant_models` and `rate_uplift_models`) holds what it accepts and returns, `fields` and
`schema_rules` the rules its schemas state, `errors` how a refusal is answered (422 or 409)."""
from services.agreements.api import (agreement_changes, agreements, brokerage, commitments, direct_payments,
                                     dp_reviews, dp_variations, personal_assistant_bank_details,
                                     personal_assistants, providers, rate_uplifts)

ROUTERS = [brokerage.router, providers.router, agreements.router, agreement_changes.router, dp_reviews.router,
           direct_payments.router, dp_variations.router, commitments.router, personal_assistants.router,
           personal_assistant_bank_details.router, rate_uplifts.router]
