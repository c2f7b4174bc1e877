"""When the SLA job must next look at a query, and the council's SLA from its settings."""
from datetime import timedelta

import pytest

from contracts.queries import QueryCategory
from services.queries.config import sla_policies
from services.queries.domain.effects import flag_breaches
from services.queries.domain.lifecycle import acknowledge, reopen, resolve, start_investigation
from services.queries.domain.outcomes import NoChange
from services.queries.domain.query import QueryStatus
from services.queries.domain.sla import (SlaPolicy, acknowledge_due_at, next_breach_check, resolve_due_at,
                                         unflagged_breaches)
from tests.unit.queries.query_builders import HOUR, OFFICER, PERSON, query_in, raised

MICROSECOND = timedelta(microseconds=1)


def test_a_new_query_is_next_looked_at_when_its_acknowledge_deadline_passes():
    query = raised()
    assert next_breach_check(query) == acknowledge_due_at(query)


def test_acknowledged_in_time_it_is_next_looked_at_when_the_resolve_deadline_passes():
    query = query_in(QueryStatus.ACKNOWLEDGED)
    assert next_breach_check(query) == resolve_due_at(query)


def test_once_a_breach_is_announced_the_job_looks_next_at_the_following_deadline():
    query = raised()
    flagged = flag_breaches(query, acknowledge_due_at(query)).query
    assert next_breach_check(flagged) == resolve_due_at(query)


def test_a_late_acknowledgement_not_yet_announced_is_still_due_for_announcement():
    query = raised()
    late = acknowledge(query, OFFICER, acknowledge_due_at(query) + HOUR).query
    assert next_breach_check(late) == acknowledge_due_at(query)
    assert unflagged_breaches(late, late.acknowledged_at)


def test_resolved_in_time_nothing_can_breach_any_more():
    assert next_breach_check(query_in(QueryStatus.RESOLVED)) is None
    assert next_breach_check(query_in(QueryStatus.CLOSED)) is None


def test_reopening_gives_the_job_the_fresh_resolve_deadline():
    resolved = query_in(QueryStatus.RESOLVED)
    reopened = reopen(resolved, PERSON, resolved.resolved_at + 72 * HOUR, "Not fixed.").query
    assert next_breach_check(reopened) == resolve_due_at(reopened) > resolve_due_at(resolved)


@pytest.mark.parametrize("status", list(QueryStatus))
def test_the_job_never_misses_a_breach_it_is_told_to_wait_for(status):
    """At the instant `next_breach_check` names, flagging announces something; a moment before, nothing."""
    query = query_in(status)
    check = next_breach_check(query)
    if check is None:
        far = query.raised_at + timedelta(days=400)
        assert flag_breaches(query, far).events == ()
        return
    assert flag_breaches(query, check - MICROSECOND).events == ()
    assert flag_breaches(query, check).events


def test_the_default_sla_is_two_and_twenty_working_days():
    policies = sla_policies({})
    assert policies.for_category(QueryCategory.OTHER) == SlaPolicy(2, 20)


def test_the_council_can_set_its_own_default_and_one_per_category():
    policies = sla_policies({"CAREPAY_QUERIES_SLA_DEFAULT": "3,15", "CAREPAY_QUERIES_SLA_LATE_PAYMENT": " 1 , 5 "})
    assert policies.for_category(QueryCategory.LATE_PAYMENT) == SlaPolicy(1, 5)
    assert policies.for_category(QueryCategory.WRONG_CHARGE) == SlaPolicy(3, 15)


@pytest.mark.parametrize("env, named", [
    ({"CAREPAY_QUERIES_SLA_DEFAULT": "2"}, "CAREPAY_QUERIES_SLA_DEFAULT"),
    ({"CAREPAY_QUERIES_SLA_OTHER": "five,ten"}, "CAREPAY_QUERIES_SLA_OTHER"),
    ({"CAREPAY_QUERIES_SLA_OTHER": "0,10"}, "acknowledge_within"),
    ({"CAREPAY_QUERIES_SLA_OTHER": "5,2"}, "must not exceed"),
    ({"CAREPAY_QUERIES_SLA_LATE_PAYMNT": "1,5"}, "CAREPAY_QUERIES_SLA_LATE_PAYMNT"),
])
def test_a_setting_that_cannot_be_an_sla_stops_the_service_naming_it(env, named):
    with pytest.raises(SystemExit, match=named):
        sla_policies(env)


def test_resolving_in_time_after_a_late_acknowledgement_leaves_only_that_breach_to_announce():
    query = raised()
    late = acknowledge(query, OFFICER, acknowledge_due_at(query) + HOUR).query
    investigating = start_investigation(late, OFFICER, late.acknowledged_at + HOUR).query
    resolved = resolve(investigating, OFFICER, investigating.acknowledged_at + 2 * HOUR, NoChange(), "Done.").query
    assert next_breach_check(resolved) == acknowledge_due_at(query)
    assert next_breach_check(flag_breaches(resolved, resolved.resolved_at).query) is None
