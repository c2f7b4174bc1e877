"""CSV exports a spreadsheet cannot run, visit quality, open queries, the pipeline, metrics and who may read."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from contracts import queries as qr
from contracts.agreements import ProviderRegistered, SelfBilling
from contracts.common import ServiceType
from services.reporting.api import models as api_models
from services.reporting.api import statement_models
from shared.settings import SERVICE_PORTS
from tests.conftest import auth, eventually, unique
from tests.integration.reporting.reporting_helpers import (MARCH, MONDAY, Flow, missed, query_raised, read, send,
                                                           until_spend, visit)

pytestmark = pytest.mark.stack


async def test_csv_export_neutralises_cells_that_would_run_as_formulas(http, stack, producer):
    base = stack["reporting"]
    flow = Flow()
    flow.provider_id = f'=HYPERLINK("http://x.invalid")-{unique("RPT")}'
    await send(producer, ProviderRegistered(provider_id=flow.provider_id, name="=cmd|' /C calc'!A0",
                                            cqc_provider_id="1-1234567890", cqc_location_ids=[],
                                            service_types=[ServiceType.HOME_CARE],
                                            self_billing=SelfBilling(in_place=False)))
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))
    await until_spend(http, base, flow.provider_id, "the visit counted", delivered_pence=2_400)

    async def named():
        text = await read(http, base, "/spend", group_by="provider", period="month", provider_id=flow.provider_id,
                          format="csv", **MARCH)
        return text if "calc" in text else None
    text = await eventually(named, what="the provider's name in the export")
    [header, row] = list(csv.reader(io.StringIO(text)))
    assert header == ["period_start", "period_end", "provider", "label", "committed_pence", "delivered_pence",
                      "invoiced_pence", "paid_pence"]
    assert row[2] == "'" + flow.provider_id and row[3] == "'=cmd|' /C calc'!A0"
    assert row[5] == "2400"


async def test_visit_quality_gives_missed_late_and_short_rates_by_provider(http, stack, producer):
    base = stack["reporting"]
    flow = await Flow().start(producer)
    a, p, pid = flow.agreement_id, flow.person, flow.provider_id
    await send(producer, visit(a, p, pid, MONDAY, 2_400, flags=("late",)))
    await send(producer, visit(a, p, pid, MONDAY + timedelta(days=1), 1_200, flags=("short",)))
    await send(producer, visit(a, p, pid, MONDAY + timedelta(days=2), 2_400))
    await send(producer, missed(a, p, pid, MONDAY + timedelta(days=2)))

    async def rows():
        out = await read(http, base, "/visit-quality", period="month", provider_id=pid, **MARCH)
        return out["rows"] if out["rows"] and out["rows"][0]["missed"] == 1 else None
    [row] = await eventually(rows, what="visit quality")
    assert (row["attendances"], row["missed"], row["late"], row["short"]) == (3, 1, 1, 1)
    assert (row["missed_pct"], row["late_pct"], row["short_pct"]) == (25.0, 33.3, 33.3)


async def test_open_queries_show_their_sla_state_and_breaches(http, stack, producer):
    base = stack["reporting"]
    pid = unique("PRV-RPT")
    past = datetime.now(timezone.utc) - timedelta(days=2)
    future = datetime.now(timezone.utc) + timedelta(days=5)
    breached, overdue, on_track, resolved = (unique("QRY-RPT") for _ in range(4))
    await send(producer, query_raised(breached, pid, qr.QueryCategory.LATE_PAYMENT, past))
    await send(producer, qr.QuerySlaBreached(query_id=breached, sla=qr.SlaKind.ACKNOWLEDGE, due_at=past,
                                             category=qr.QueryCategory.LATE_PAYMENT))
    await send(producer, query_raised(overdue, pid, qr.QueryCategory.LATE_PAYMENT, past))
    await send(producer, query_raised(on_track, pid, qr.QueryCategory.WRONG_CHARGE, future))
    await send(producer, query_raised(resolved, pid, qr.QueryCategory.WRONG_CHARGE, future))
    await send(producer, qr.QueryResolved(query_id=resolved, outcome=qr.OutcomeKind.NO_CHANGE, working_days_taken=1,
                                          within_sla=True))

    async def figures():
        out = await read(http, base, "/queries/open", provider_id=pid)
        # Each query is keyed by its id, so the four are read in no order: three open is also the breached,
        # on-track and resolved-but-not-yet-read-as-resolved ones before the overdue one. Wait for the breach
        # and the overdue one too.
        overdue = any(r["sla_state"] == "overdue" for r in out["rows"])
        return out if out["open"] == 3 and out["breaches"] and overdue else None
    out = await eventually(figures, what="open queries")
    assert [(c["category"], c["open"], c["on_track"], c["overdue"], c["breached"]) for c in out["by_category"]] == [
        ("late_payment", 2, 0, 1, 1), ("wrong_charge", 1, 1, 0, 0)]
    assert [(b["category"], b["sla"], b["breaches"]) for b in out["breaches"]] == [
        ("late_payment", "acknowledge", 1)]
    text = await read(http, base, "/queries/open", provider_id=pid, format="csv")
    assert "late_payment,open,breached,1" in text.splitlines()


async def test_pipeline_reports_every_service_with_its_lag_backlog_and_dead_letters(http, stack):
    async def pipeline():
        out = await read(http, stack["reporting"], "/pipeline", role="ops")
        services = {s["service"]: s for s in out["services"]}
        lagging = {c["consumer"] for c in services["reporting"]["consumer_lag"]}
        # Lag is observed every 10 s after a service starts.
        return services if lagging >= {"reporting.delivery", "reporting.requests"} else None
    services = await eventually(pipeline, timeout=25, what="reporting's consumer lag in the pipeline")
    assert set(services) == set(SERVICE_PORTS)
    assert all(s["ready"] and s["reason"] == "ok" for s in services.values())
    assert all(isinstance(s["outbox_backlog"], int) and isinstance(s["dlq_messages"], int) for s in services.values())


async def test_metrics_count_events_applied_and_read_model_lag(http, stack, producer):
    base = stack["reporting"]
    flow = await Flow().start(producer)
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))
    # The agreements.events lag below is another consumer's: wait for the commitment it applies too.
    await until_spend(http, base, flow.provider_id, "the visit and the commitment counted", delivered_pence=2_400,
                      committed_pence=29_000)
    text = (await http.get(f"{base}/metrics")).text
    assert 'carepay_reporting_events_applied_total{event_type="VisitVerified"}' in text
    assert 'carepay_reporting_read_model_lag_seconds_bucket{le="1.0",topic="delivery.events"}' in text
    assert 'carepay_reporting_read_model_lag_last_seconds{topic="agreements.events"}' in text


async def test_only_officers_read_the_figures(http, stack):
    base = stack["reporting"]
    for path in ("/spend", "/prompt-payment", "/visit-quality", "/queries/open", "/pipeline"):
        assert (await http.get(f"{base}{path}")).status_code == 401
        assert (await http.get(f"{base}{path}", headers=auth("provider", provider="PRV-REPORT-READER"))).status_code == 403
        assert (await http.get(f"{base}{path}", headers=auth("person", person="P-1"))).status_code == 403
        assert (await http.get(f"{base}{path}", headers=auth("brokerage_officer"))).status_code == 200
    backwards = await http.get(f"{base}/spend", params={"from": "2031-03-31", "to": "2031-03-01"},
                               headers=auth("ops"))
    assert backwards.status_code == 422 and "before" in backwards.text


async def test_every_answer_has_the_shape_its_api_document_declares(http, stack, producer):
    # The endpoints serialise plain data (fast); the response models are what the API document promises.
    base = stack["reporting"]
    flow = await Flow().start(producer)
    await send(producer, visit(flow.agreement_id, flow.person, flow.provider_id, MONDAY, 2_400))
    await until_spend(http, base, flow.provider_id, "the visit counted", delivered_pence=2_400)
    answers = {
        api_models.SpendOut: [await read(http, base, "/spend", group_by=g, period=p, **MARCH)
                              for g in ("service_type", "provider", "person", "cost_centre")
                              for p in ("week", "month")],
        api_models.BudgetOut: [await read(http, base, f"/people/{flow.person}/budget", **MARCH)],
        api_models.PromptPaymentOut: [await read(http, base, "/prompt-payment")],
        api_models.QualityOut: [await read(http, base, "/visit-quality", provider_id=flow.provider_id, **MARCH)],
        api_models.OpenQueriesOut: [await read(http, base, "/queries/open")],
        api_models.PipelineOut: [await read(http, base, "/pipeline")],
    }
    for model, bodies in answers.items():
        for body in bodies:
            model.model_validate(body)
            assert set(body) == {f.alias or name for name, f in model.model_fields.items()}, model.__name__
    statement = await http.get(f"{base}/people/{flow.person}/statement", params=MARCH,
                               headers=auth("person", person=flow.person))
    statement_models.StatementOut.model_validate(statement.json())
