"""Who may call what: every endpoint of every service, the roles that pass its gate, and how a
provider, person or personal assistant is kept to their own data.

Written from the issues (3: "a provider token sees only its own agreements; a person token only
their own request and agreements; changing bank details needs finance_officer, verifying needs
finance_approver"; 6: maker-checker; 7: who sees a query; 8: a statement for the person and their
social worker; 15: direct payments varied and reviewed, personal assistants and their bank details,
timesheets, payroll and net pay, returns, audit, reclaims and debts) and what each route's
`require(...)` and scope checks do; `test_authorisation_matrix` holds every service to it.
A role not listed gets 403; no token or a bad one gets 401, except on the open routes.

`scope` says how the rest of a role's reach is decided, once past the gate:
- "provider:path" / "person:path": the path names a provider/person; anyone else's is 403.
- "provider:query" / "person:query": the same for a filter in the query string.
- "provider:resource" / "person:resource": the resource's own provider/person; anyone else's is 404
  (it is not said to exist).
- "social_worker:caseload": a social worker only for people allocated to them (403); acting on a
  person's requests grants nothing (issue 14).
- "worker:allocation": a social worker or brokerage officer only for people allocated to them: 403
  for a request of anyone else, left out of lists (the probe's ids do not exist: 404 / empty).
- "query:entitlement": queries decides per query who may see it and take each step (403 with why).
- "personal_assistant:path": the path names a PA (`pa_id`): a PA token only its own; anyone else's is
  404 (not said to exist), as it is for a person who does not employ them.
- "personal_assistant:resource": the resource's own PA (a timesheet's); anyone else's is 404.
- "employer:nominee": who acts as a direct payment's PAs' employer follows its nominee (council: a
  brokerage or finance officer; the person: themself or a brokerage officer; a third party: a
  brokerage officer): anyone else is 403 from the domain.
- "second person": the domain refuses whoever entered, asked for, raised or submitted what is decided (403).
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "provider", "person", "ops",
         "team_manager", "personal_assistant")
# The officers the agreements and reporting services name; delivery lets in every officer role of
# shared.auth (OFFICER_ROLES), which includes the team manager.
OFFICERS = frozenset({"social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops"})
OFFICER_ROLES = OFFICERS | {"team_manager"}
EVERYONE = frozenset(ROLES)
# Every role but the personal assistant, who reaches only their own PA record (agreements) and their own
# timesheets (payments): the callers of the queries service, for one.
CALLERS = EVERYONE - {"personal_assistant"}
# Everyone the agreements service lets read (scoped): all but the team manager, who allocates people only.
AGREEMENT_READERS = CALLERS - {"team_manager"}
# Direct payments (issue 15): a team manager varies, approves variations and reviews them, so reads them too.
DP_READERS = OFFICERS | {"team_manager", "person"}
DP_WORKERS = frozenset({"social_worker", "brokerage_officer", "team_manager"})  # vary and review a direct payment
PA_EMPLOYERS = frozenset({"brokerage_officer", "finance_officer", "person"})  # narrowed by the nominee
PA = "personal_assistant"
ALLOCATORS = frozenset({"team_manager", "brokerage_officer"})  # a brokerage officer: brokerage officers only
FINANCE = frozenset({"finance_officer", "finance_approver", "ops"})
REVIEWERS = frozenset({"finance_officer", "finance_approver"})  # who works a payment run (ops only reads)
CASE_READERS = frozenset({"person", "social_worker", "brokerage_officer"})  # personal details of a request
TIMESHEET_READERS = FINANCE | {PA, "person", "brokerage_officer"}
TIMESHEET_DECIDERS = frozenset({"person", "finance_officer", "brokerage_officer"})  # the employer
PAYROLL_READERS = FINANCE | {"person", "brokerage_officer"}

# Open to anyone, no token: liveness, readiness, metrics and the API documents; and the reporting dashboard's
# doors (its sign-in form takes the token in its body, sign-out needs none, single sign-on's start and callback
# bring none) and its stylesheet.
OPEN_PATHS = ("/health", "/ready", "/metrics", "/openapi.json", "/asyncapi.json", "/reference",
              "/dashboard/sign-in", "/dashboard/sign-out", "/dashboard/callback", "/dashboard/dashboard.css")


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    scope: str = ""


def rule(*roles: str | frozenset[str], scope: str = "") -> Rule:
    found: set[str] = set()
    for r in roles:
        found |= {r} if isinstance(r, str) else set(r)
    return Rule(frozenset(found), scope)


MATRIX: dict[str, dict[str, Rule]] = {
    "requests": {
        "POST /requests": rule("person", "social_worker", scope="person:body"),
        "GET /requests": rule(CASE_READERS, scope="person:query; worker:allocation"),
        "GET /requests/{request_id}": rule(CASE_READERS, scope="person:resource; worker:allocation"),
        "POST /requests/{request_id}/assess": rule("social_worker"),
        "POST /requests/{request_id}/budget": rule("social_worker"),
        "POST /requests/{request_id}/mechanism": rule("person", "social_worker", scope="person:resource"),
        "POST /requests/{request_id}/approve": rule("brokerage_officer"),
        "POST /requests/{request_id}/cancel": rule("person", "social_worker", "brokerage_officer",
                                                   scope="person:resource"),
        "POST /requests/{request_id}/close": rule("brokerage_officer"),
        # A new budget for an active request: its allocated social worker, or a team manager for anyone.
        "POST /requests/{request_id}/reassessments": rule("social_worker", "team_manager", scope="worker:allocation"),
        # Access to a person comes from an allocation (issue 14), made by a team manager or, for
        # brokerage officers only, a brokerage officer; never to oneself (403 from the domain).
        "PUT /people/{person_ref}/allocation": rule(ALLOCATORS),
        "GET /people/{person_ref}/allocation": rule(ALLOCATORS, "social_worker"),
        "POST /people/{person_ref}/allocation/end": rule(ALLOCATORS),
    },
    "agreements": {
        "GET /brokerage/requests/{request_id}": rule("brokerage_officer", "social_worker", "ops"),
        "POST /providers": rule("brokerage_officer", "finance_officer"),
        # Issue 17: a provider's rate card applied to its agreements in one step; read back by the provider too.
        "POST /providers/{provider_id}/rate-uplifts": rule("brokerage_officer"),
        "GET /rate-uplifts/{rate_uplift_id}": rule("brokerage_officer", FINANCE, "provider", scope="provider:resource"),
        # Issue 18: `?cqc_provider_id=` / `?cqc_location_id=` find a provider's id; a provider token lists itself only.
        "GET /providers": rule(OFFICERS, "provider", scope="provider:resource (others' left out)"),
        "GET /providers/{provider_id}": rule(OFFICERS, "provider", scope="provider:path"),
        "POST /providers/{provider_id}/bank-details": rule("finance_officer"),
        "POST /providers/{provider_id}/bank-details/{change_id}/verify": rule("finance_approver"),
        "POST /providers/{provider_id}/bank-details/{change_id}/reject": rule("finance_approver"),
        "POST /providers/{provider_id}/rate-cards": rule("brokerage_officer", "finance_officer"),
        "GET /providers/{provider_id}/rate-cards": rule(OFFICERS, "provider", scope="provider:path"),
        "POST /agreements": rule("brokerage_officer"),
        "GET /agreements": rule(AGREEMENT_READERS, scope="provider/person:resource (others' left out)"),
        "PUT /agreements/{agreement_id}": rule("brokerage_officer"),
        "GET /agreements/{agreement_id}": rule(AGREEMENT_READERS, scope="provider/person:resource"),
        "GET /agreements/{agreement_id}/shortlist": rule("brokerage_officer", "social_worker"),
        "GET /agreements/{agreement_id}/prices": rule(AGREEMENT_READERS, scope="provider/person:resource"),
        "GET /agreements/{agreement_id}/history": rule(OFFICERS),
        "POST /agreements/{agreement_id}/activate": rule("brokerage_officer"),
        "POST /agreements/{agreement_id}/variations": rule("brokerage_officer"),
        # A hospital admission or a death is often reported by the person's social worker.
        "POST /agreements/{agreement_id}/suspend": rule("brokerage_officer", "social_worker"),
        "POST /agreements/{agreement_id}/resume": rule("brokerage_officer", "social_worker"),
        "POST /agreements/{agreement_id}/end": rule("brokerage_officer", "social_worker"),
        "POST /agreements/{agreement_id}/cancel": rule("brokerage_officer"),
        "GET /direct-payments": rule(DP_READERS, scope="person:resource (others' left out)"),
        "GET /direct-payments/{agreement_id}": rule(DP_READERS, scope="person:resource"),
        "PUT /direct-payments/{agreement_id}": rule("brokerage_officer", "finance_officer"),
        "POST /direct-payments/{agreement_id}/agree": rule("finance_approver"),
        "POST /direct-payments/{agreement_id}/end": rule("brokerage_officer", "social_worker"),
        "GET /people/{person_ref}/commitments": rule(OFFICERS, "person", scope="person:path"),
        # Issue 15; its own path since issue 18 (under /direct-payments/ it shared one with a payment's).
        "GET /direct-payment-reviews": rule(DP_WORKERS, FINANCE),
        "POST /direct-payments/{agreement_id}/reviews": rule(DP_WORKERS),
        # A rise above the threshold waits for a team manager or brokerage officer who did not ask for it.
        "POST /direct-payments/{agreement_id}/variations": rule(DP_WORKERS),
        "POST /direct-payments/{agreement_id}/variations/{variation_id}/approve": rule(
            "team_manager", "brokerage_officer", scope="second person"),
        "GET /direct-payments/{agreement_id}/variations": rule(DP_READERS, scope="person:resource"),
        # The PAs a direct payment employs; a PA reads only their own record (without the name).
        "POST /direct-payments/{agreement_id}/personal-assistants": rule(
            PA_EMPLOYERS, scope="person:resource; employer:nominee"),
        "GET /direct-payments/{agreement_id}/personal-assistants": rule(OFFICERS, "person", scope="person:resource"),
        "GET /personal-assistants/{pa_id}": rule(OFFICERS, "person", PA,
                                                 scope="personal_assistant:path; person:resource"),
        "PUT /personal-assistants/{pa_id}": rule(PA_EMPLOYERS, scope="person:resource; employer:nominee"),
        "POST /personal-assistants/{pa_id}/bank-details": rule(PA_EMPLOYERS,
                                                               scope="person:resource; employer:nominee"),
        "POST /personal-assistants/{pa_id}/bank-details/{change_id}/verify": rule("finance_approver",
                                                                                  scope="second person"),
        "POST /personal-assistants/{pa_id}/bank-details/{change_id}/reject": rule("finance_approver",
                                                                                  scope="second person"),
    },
    "delivery": {  # "that provider, or an officer" (delivery README)
        "POST /providers/{provider_id}/visits": rule(OFFICER_ROLES, "provider", scope="provider:path"),
        "POST /providers/{provider_id}/visit-files": rule(OFFICER_ROLES, "provider", scope="provider:path"),
        "GET /visits/rejected": rule(OFFICER_ROLES, "provider", scope="provider:query"),
        "GET /visits/unallocated": rule(OFFICER_ROLES, "provider", scope="provider:query"),
        "POST /visits/unallocated/{record_id}/allocate": rule(OFFICER_ROLES),
        "POST /visits/unallocated/{record_id}/reject": rule(OFFICER_ROLES),
        "GET /agreements/{agreement_id}/periods/{week_start}": rule(OFFICER_ROLES, "provider",
                                                                     scope="provider:resource"),
        "POST /agreements/{agreement_id}/periods/{week_start}/confirm": rule(OFFICER_ROLES, "provider",
                                                                              scope="provider:resource"),
    },
    "invoicing": {
        "POST /invoices/preview": rule("provider", FINANCE, scope="provider:resource"),
        "POST /invoices/{invoice_id}/release": rule("finance_officer"),
        "POST /invoices/{invoice_id}/reject": rule("finance_officer"),
        "POST /invoices/{invoice_id}/void": rule("finance_officer"),
        "POST /invoices/{invoice_id}/credit-notes": rule("finance_officer"),
        "POST /invoices/{invoice_id}/supplementary-invoices": rule("finance_officer"),
        "POST /invoices/scheduled": rule("finance_officer"),
        "GET /invoices": rule("provider", FINANCE, scope="provider:query"),
        "GET /invoices/{invoice_id}": rule("provider", FINANCE, scope="provider:resource"),
        # A finance officer keys in an invoice that came on paper.
        "POST /providers/{provider_id}/invoices": rule("provider", "finance_officer", scope="provider:path"),
        "POST /providers/{provider_id}/invoices/csv": rule("provider", "finance_officer", scope="provider:path"),
        # Issue 16: the person's contribution charged; a person reads their own charges (their statement).
        "POST /contribution-charges/runs": rule("finance_officer"),
        "POST /contribution-charges": rule("finance_officer"),
        "GET /contribution-charges": rule(FINANCE, "person", scope="person:query"),
        "GET /contribution-charges/{charge_id}": rule(FINANCE, "person", scope="person:resource"),
        "POST /contribution-charges/exports": rule("finance_officer"),
        "GET /contribution-charges/exports/{export_id}/debtors.csv": rule(FINANCE),
        "GET /contribution-charges/exports/{export_id}/journal.csv": rule(FINANCE),
        # Issue 16: ISF advances, returns and balances; a person reads what their own ISF bought.
        "POST /isf-advances": rule("finance_officer"),
        "POST /providers/{provider_id}/isf-returns": rule("provider", "finance_officer", scope="provider:path"),
        "POST /isf-returns/{return_id}/accept": rule("finance_officer", "finance_approver"),
        "GET /isf-returns": rule(FINANCE, "provider", "person", scope="person:query"),
        "GET /isf-returns/{return_id}": rule(FINANCE, "provider", "person", scope="person:resource"),
        "GET /isf-balances": rule(FINANCE, "provider", scope="provider:query"),
    },
    "payments": {  # maker-checker: a finance officer proposes, a different finance approver approves
        "POST /payment-runs": rule("finance_officer"),
        "GET /payment-runs": rule(FINANCE),
        "GET /payment-runs/{run_id}": rule(FINANCE),
        "POST /payment-runs/{run_id}/lines/{line_id}/exclude": rule(REVIEWERS),
        "POST /payment-runs/{run_id}/approve": rule("finance_approver"),
        "POST /payment-runs/{run_id}/export": rule(REVIEWERS),
        "GET /payment-runs/{run_id}/files": rule(FINANCE),
        "GET /payment-runs/{run_id}/files/{name}": rule(FINANCE, "provider", scope="provider:resource (403)"),
        "POST /payment-runs/{run_id}/confirmations": rule(REVIEWERS),
        "GET /direct-payments/{agreement_id}/account": rule(FINANCE, "person", scope="person:resource"),
        "POST /direct-payments/{agreement_id}/account/entries": rule("finance_officer"),
        # Two people for a return or a hold release: a finance officer or approver records it (pending),
        # a different finance approver approves it (the same person: 403 from the domain).
        "POST /invoices/{invoice_id}/release-hold": rule(REVIEWERS),
        "POST /direct-payments/{agreement_id}/release-hold": rule(REVIEWERS),
        "GET /two-person-decisions": rule(FINANCE),
        "POST /payment-returns/{return_id}/approve": rule("finance_approver"),
        "POST /hold-releases/{release_id}/approve": rule("finance_approver"),
        "GET /invoices/{invoice_id}": rule(FINANCE, "provider", scope="provider:resource"),
        "GET /payees/{provider_id}": rule(FINANCE),
        "GET /reports/prompt-payment": rule(FINANCE),
        "GET /reports/transparency": rule(FINANCE),
        "GET /payment-calendar": rule(FINANCE),
        # Issue 15: a PA's timesheets, submitted by the PA or the employer and decided by the employer
        # (a council-managed direct payment: a finance or brokerage officer who did not submit it).
        "POST /personal-assistants/{pa_id}/timesheets": rule(
            PA, "person", "finance_officer", "brokerage_officer",
            scope="personal_assistant:path; person:resource; employer:nominee"),
        "GET /personal-assistants/{pa_id}/timesheets": rule(TIMESHEET_READERS,
                                                            scope="personal_assistant:path; person:resource"),
        "GET /timesheets/{timesheet_id}": rule(TIMESHEET_READERS,
                                               scope="personal_assistant:resource; person:resource"),
        "POST /timesheets/{timesheet_id}/approve": rule(TIMESHEET_DECIDERS,
                                                        scope="person:resource; employer:nominee; second person"),
        "POST /timesheets/{timesheet_id}/reject": rule(TIMESHEET_DECIDERS,
                                                       scope="person:resource; employer:nominee; second person"),
        # A direct payment's payroll week and its export for the bureau; the bureau's net pay (council-managed
        # direct payments), above a threshold approved by a finance approver who did not upload it.
        "GET /direct-payments/{agreement_id}/payroll/{week_start}": rule(PAYROLL_READERS, scope="person:resource"),
        "GET /direct-payments/{agreement_id}/payroll/{week_start}/export.csv": rule(PAYROLL_READERS,
                                                                                    scope="person:resource"),
        "POST /direct-payments/{agreement_id}/payroll/{week_start}/net-pay": rule(REVIEWERS),
        "POST /payroll-net-pay/{upload_id}/approve": rule("finance_approver", scope="second person"),
        "POST /payroll-net-pay/{upload_id}/reject": rule(REVIEWERS),
        # Returns (totals as JSON, or a bank statement as CSV): sent by the person (or finance for them),
        # audited by a finance officer, signed off by a finance approver who did not audit it.
        "POST /direct-payments/{agreement_id}/returns": rule("finance_officer", "person", scope="person:resource"),
        "POST /direct-payments/{agreement_id}/bank-statements": rule("finance_officer", "person",
                                                                      scope="person:resource"),
        "GET /direct-payments/{agreement_id}/returns": rule(FINANCE, "person", scope="person:resource"),
        "POST /direct-payment-returns/{return_id}/audit": rule("finance_officer"),
        "POST /direct-payment-returns/{return_id}/sign-off": rule("finance_approver", scope="second person"),
        # Reclaims: raised by a finance officer, approved by a finance approver who did not raise them.
        "POST /direct-payments/{agreement_id}/reclaims": rule("finance_officer"),
        "GET /direct-payments/{agreement_id}/reclaims": rule(FINANCE, "person", scope="person:resource"),
        "POST /dp-reclaims/{reclaim_id}/approve": rule("finance_approver", scope="second person"),
        # Debts are read by GET; POST /debts/exports hands the new ones to the debtors system.
        "GET /debts": rule(REVIEWERS),
        "POST /debts/exports": rule(REVIEWERS),
    },
    # Anyone may raise a query about their own subjects (a personal assistant is not let in: the queries
    # service's callers are providers, people and officers); who sees one and takes each step is decided
    # per query (services/queries/domain/entitlement.py): resolving with an outcome that moves money is
    # finance's (finance_officer, finance_approver), and approving or rejecting a proposed one a
    # finance_approver's other than the proposer (403 with why, from the domain, not the route).
    "queries": {f"{m} {p}": rule(CALLERS, scope="query:entitlement") for m, p in (
        ("POST", "/queries"), ("GET", "/queries"), ("GET", "/queries/{query_id}"),
        *(("POST", f"/queries/{{query_id}}/{step}") for step in (
            "acknowledge", "assign", "investigate", "notes", "dispute", "resolve", "outcome/approve",
            "outcome/reject", "close", "reopen", "rate", "effect/variation", "effect/fail", "effect/retry")))},
    "reporting": {
        "GET /spend": rule(OFFICERS),
        # A social worker only for a person allocated to them (issue 14).
        "GET /people/{person_ref}/budget": rule(OFFICERS, "person", scope="person:path; social_worker:caseload"),
        # For the person and their own social worker, in plain language.
        "GET /people/{person_ref}/statement": rule("person", "social_worker",
                                                   scope="person:path; social_worker:caseload"),
        "GET /prompt-payment": rule(OFFICERS),
        "GET /visit-quality": rule(OFFICERS),
        "GET /queries/open": rule(OFFICERS),
        "GET /pipeline": rule(OFFICERS),
        "GET /visits/missed": rule(OFFICERS),
        "GET /accruals": rule(FINANCE),  # month-end accruals: finance only (issue 17)
        # The dashboard page: an officer's token (header, cookie or a sign-in link); anyone else gets the sign-in
        # page, 401 (with WWW-Authenticate: Bearer) or 403.
        "GET /": rule(OFFICER_ROLES),
    },
}
