"""What a month produced, read back through the services' public APIs, in the scenario's own names.

Two runs of the same seed make the same council under a different tag, so every identifier a
service hands out (agreement, provider, invoice and run ids) is replaced by what the scenario calls
it: a person's number (`0007`), a provider's key (`PR01`), an invoice's kind, provider, people and
period. What is left (statuses, minutes, rates, pence, lines, invoice numbers within their provider's
series, normalised payment files) must be equal between an undisturbed and a disturbed run.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.demo.client import FINANCE_OFFICER, OPS, Stack
from shared.demo.invoices import listed
from shared.demo.scenario import MonthRun
from tests.reliability.normalise import payment_file

KINDS = ("self_billed", "provider", "scheduled", "isf_advance", "credit_note")


@dataclass(frozen=True)
class MonthResults:
    actuals: dict[tuple[str, str], tuple]  # (person, week n) -> status, confirmed by, visits, minutes, pence...
    invoices: list[tuple]  # every invoice of the council's providers, sorted
    numbers: dict[str, list[int]]  # "SB PR01" -> the numbers of that series issued, sorted
    runs: dict[str, tuple]  # kind -> (status, totals, payments, exclusions)
    files: dict[str, bytes]  # "weekly/bacs" -> normalised file
    isf_returns: dict[str, tuple]  # person -> each return: period, status, budget, spend, balance, reclaim...
    charges: dict[tuple[str, str], tuple]  # (person, period) -> the latest charge: pence, capped, contribution, cost

    def differences(self, other: "MonthResults") -> list[str]:
        """What differs from `other`, one readable line per difference (empty when equal)."""
        out: list[str] = []
        for key in sorted(self.actuals.keys() | other.actuals.keys()):
            if self.actuals.get(key) != other.actuals.get(key):
                out.append(f"actuals {key}: {other.actuals.get(key)} became {self.actuals.get(key)}")
        mine, theirs = _counted(self.invoices), _counted(other.invoices)
        out += [f"invoice missing: {i}" for i in theirs if theirs[i] > mine.get(i, 0)]
        out += [f"invoice extra or changed: {i}" for i in mine if mine[i] > theirs.get(i, 0)]
        for series in sorted(self.numbers.keys() | other.numbers.keys()):
            if self.numbers.get(series) != other.numbers.get(series):
                out.append(f"invoice numbers {series}: {other.numbers.get(series)} became {self.numbers.get(series)}")
        for kind in sorted(self.runs.keys() | other.runs.keys()):
            if self.runs.get(kind) != other.runs.get(kind):
                out.append(f"payment run {kind}: {other.runs.get(kind)} became {self.runs.get(kind)}")
        for name in sorted(self.files.keys() | other.files.keys()):
            if self.files.get(name) != other.files.get(name):
                out.append(f"payment file {name} differs:\n{_first_difference(other.files.get(name), self.files.get(name))}")
        for what, mine_, theirs_ in (("ISF returns", self.isf_returns, other.isf_returns),
                                     ("contribution charge", self.charges, other.charges)):
            for key in sorted(mine_.keys() | theirs_.keys()):
                if mine_.get(key) != theirs_.get(key):
                    out.append(f"{what} {key}: {theirs_.get(key)} became {mine_.get(key)}")
        return out


def _counted(items: list[tuple]) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _first_difference(a: bytes | None, b: bytes | None) -> str:
    if a is None or b is None:
        return f"  present only in {'the disturbed' if a is None else 'the undisturbed'} run"
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if x != y:
            return f"  line {n}: {x!r}\n       now: {y!r}"
    return f"  lengths {len(a)} and {len(b)} bytes"


class Names:
    """The scenario's names for the ids one run's services gave it."""

    def __init__(self, month: MonthRun) -> None:
        ledger, tag = month.ledger, month.council.tag
        self.tag = tag
        self.providers = {pid: key for key, pid in ledger.provider_ids.items()}
        self.agreements = {aid: self.person(ref) for ref, aid in ledger.agreement_ids.items()}
        # Care bought from a managed direct payment: the payment, and the PA it employs, by the person's name.
        self.agreements |= {dp_id: self.person(ref) for ref, dp_id in ledger.dp_ids.items()}
        self.assistants = {pa_id: f"pa:{self.person(ref)}" for ref, pa_id in ledger.pa_ids.items()}
        self.invoices: dict[str, tuple] = {}

    def person(self, ref: str | None) -> str | None:
        return ref[len(self.tag) + 1:] if ref and ref.startswith(self.tag + "-") else ref

    def provider(self, provider_id: str) -> str:
        return self.providers.get(provider_id, f"foreign:{provider_id}")

    def number(self, number: str, provider_id: str) -> str:
        return number.replace(provider_id, self.provider(provider_id))

    def payee(self, kind: str, payee_id: str) -> str:
        if kind == "provider":
            return self.provider(payee_id)
        if kind == "personal_assistant":
            return self.assistants.get(payee_id, f"foreign:{payee_id}")
        return f"dp:{self.agreements.get(payee_id, payee_id)}"

    def document(self, document_id: str) -> str:
        """An invoice, a direct payment, or a PA's week of pay (`PAY/<pa_id>/<week>`) by the scenario's names."""
        if document_id.startswith("PAY/") and document_id.count("/") == 2:
            _, pa_id, week = document_id.split("/")
            return f"pay:{self.assistants.get(pa_id, f'foreign:{pa_id}')}/{week}"
        return str(self.invoices.get(document_id, self.agreements.get(document_id, f"foreign:{document_id}")))

    def settled(self, ids: list[str]) -> tuple:
        return tuple(sorted(self.document(i) for i in ids))


async def results_of(month: MonthRun) -> MonthResults:
    """Everything the month left in delivery, invoicing and payments, in the scenario's names."""
    names = Names(month)
    async with Stack() as stack:
        actuals = await _actuals(stack, month, names)
        invoices, numbers = await _invoices(stack, month, names)
        runs, files = await _runs(stack, month, names)
        isf_returns, charges = await _isf_returns(stack, month, names), await _charges(stack, month, names)
    return MonthResults(actuals, invoices, numbers, runs, files, isf_returns, charges)


async def _actuals(stack: Stack, month: MonthRun, names: Names) -> dict[tuple[str, str], tuple]:
    out = {}
    for person in month.council.of_care("home_care"):
        aid = month.ledger.agreement_ids[person.ref]
        for n, week in enumerate(month.council.month.weeks):
            p = await stack.get("delivery", f"/agreements/{aid}/periods/{week}", OPS)
            lines = tuple(sorted((ln["visit_id"], ln["carer_id"], ln["local_date"], ln["actual_minutes"],
                                  ln["payable_minutes"], ln["rate_pence_per_hour"], ln["amount_pence"],
                                  tuple(sorted(f["code"] for f in ln["flags"]))) for ln in p["lines"]))
            adjustments = tuple(sorted((a.get("visit_id"), a.get("carer_id"), a["amount_pence_delta"])
                                       for a in p["adjustments"]))
            out[(names.person(person.ref), f"week {n + 1}")] = (
                p["status"], p["confirmed_by"], p["visits"], p["payable_minutes"], p["amount_pence"],
                p["adjustments_pence"], adjustments, lines)
    return out


async def _invoices(stack: Stack, month: MonthRun, names: Names) -> tuple[list[tuple], dict[str, list[int]]]:
    details = []
    for pid in month.ledger.provider_ids.values():
        for kind in KINDS:
            for summary in await listed(stack, pid, kind):
                details.append(await stack.get("invoicing", f"/invoices/{summary['invoice_id']}", FINANCE_OFFICER))
    for d in details:  # an invoice's name: what it is for, not the id invoicing gave it
        people = tuple(sorted({names.person(ln["person_ref"]) for ln in d["lines"]}))
        numbered = d["number"] if d["kind"] == "provider" else ""
        names.invoices[d["invoice_id"]] = (d["kind"], names.provider(d["provider_id"]), people, d["period_start"],
                                           numbered)
    invoices, numbers = [], {}
    for d in details:
        series, _, sequence = names.number(d["number"], d["provider_id"]).rpartition("-")
        if d["kind"] != "provider":
            numbers.setdefault(series, []).append(int(sequence))
        lines = tuple(sorted((names.person(ln["person_ref"]), ln["first_day"], ln["last_day"], ln["visit_id"],
                              ln["carer_id"], ln["minutes"], ln["rate_pence"], ln["units"], ln["amount_pence"])
                             for ln in d["lines"]))
        corrects = names.invoices.get(d["corrects_invoice_id"]) if d["corrects_invoice_id"] else None
        invoices.append((*names.invoices[d["invoice_id"]], d["period_end"], d["status"], d["total_pence"],
                         tuple(sorted(d["hold_codes"])), corrects, lines))
    return sorted(invoices, key=repr), {s: sorted(n) for s, n in numbers.items()}


async def _runs(stack: Stack, month: MonthRun, names: Names) -> tuple[dict[str, tuple], dict[str, bytes]]:
    runs, files = {}, {}
    for kind, done in sorted(month.runs.items()):
        run = await stack.get("payments", f"/payment-runs/{done.run_id}", FINANCE_OFFICER)
        payments = tuple(sorted((p["payee_kind"], names.payee(p["payee_kind"], p["payee_id"]), p["payee_name"],
                                 p["amount_pence"], p["council_managed"], tuple(sorted(
                                     (ln["kind"], names.settled(_ids(ln["settles"])), names.person(ln["person_ref"]),
                                      ln["period_start"], ln["period_end"], ln["amount_pence"]) for ln in p["lines"])))
                                for p in run["payments"]))
        exclusions = tuple(sorted((e["reason"], names.payee("provider", e["payee_id"] or ""), e["amount_pence"],
                                   names.settled(_ids(e["settles"]))) for e in run["exclusions"]))
        totals = {k: v for k, v in run["totals"].items()}
        runs[kind] = (run["status"], run["pay_date"], done.total_pence, totals, payments, exclusions)
        for name, path in sorted(done.files.items()):
            files[f"{kind}/{name}"] = payment_file(name, path.read_bytes(), run["run_number"])
    return runs, files


async def _isf_returns(stack: Stack, month: MonthRun, names: Names) -> dict[str, tuple]:
    """Each ISF's returns: what was spent on what, the balance left and the surplus reclaimed (its credit
    note by the scenario's name of the invoice it corrects)."""
    out = {}
    for person in month.council.of_care("isf"):
        returns = await stack.get("invoicing", "/isf-returns", FINANCE_OFFICER, person_ref=person.ref)
        out[names.person(person.ref)] = tuple(sorted(
            (r["period_start"], r["status"], r["budget_pence"], r["spend_pence"], r["balance_pence"],
             tuple(sorted((s["support_type"], s["hours"], s["spend_pence"]) for s in r["by_support"])),
             tuple(sorted((s["subcontractor"], s["spend_pence"]) for s in r["by_subcontractor"])),
             (r["reclaim"]["amount_pence"], r["reclaim"]["method"],
              names.document(r["reclaim"]["credit_note_id"])) if r["reclaim"] else None)
            for r in returns))
    return out


async def _charges(stack: Stack, month: MonthRun, names: Names) -> dict[tuple[str, str], tuple]:
    """Each person's contribution charge per period at its latest revision (how many revisions it took
    depends on when invoicing's job ran, so only the last is compared)."""
    out = {}
    for person in month.council.people:
        latest: dict[str, dict] = {}
        for c in await stack.get("invoicing", "/contribution-charges", FINANCE_OFFICER, person_ref=person.ref):
            if c["period_start"] not in latest or c["revision"] > latest[c["period_start"]]["revision"]:
                latest[c["period_start"]] = c
        for period, c in latest.items():
            out[(names.person(person.ref), period)] = (c["charged_pence"], c["capped"], c["contribution_pence"],
                                                       c["care_cost_pence"], c["exported_in"] is not None)
    return out


def _ids(settles: str | list[str] | None) -> list[str]:
    """A run line settles one document (its id); an exclusion lists every document it leaves out."""
    return [settles] if isinstance(settles, str) else list(settles or ())


async def paid_twice(month: MonthRun, since: date) -> list[str]:
    """Invoices of this month settled by more than one line of the approved runs exported since
    `since`, and approved invoices of this month settled by none: both empty when all is well."""
    ours = set(month.ledger.provider_ids.values()) | set(month.ledger.agreement_ids.values())
    settled: dict[str, list[str]] = {}
    async with Stack() as stack:
        approved = await stack.get("payments", "/payment-runs", FINANCE_OFFICER, state="approved", limit=500)
        for summary in approved:
            exported = summary["exported_at"]
            if exported is None or date.fromisoformat(exported[:10]) < since - timedelta(days=1):
                continue
            run = await stack.get("payments", f"/payment-runs/{summary['run_id']}", FINANCE_OFFICER)
            for p in run["payments"]:
                if p["payee_id"] in ours:
                    for line in p["lines"]:
                        # an invoice's line is named by the invoice, a credit note's by the note, a
                        # direct payment's by its agreement and period
                        settled.setdefault(line["line_id"], []).append(f"{summary['run_id']}/{p['payment_reference']}")
        problems = [f"{invoice} settled {len(where)} times: {where}" for invoice, where in settled.items()
                    if len(where) > 1]
        for pid in month.ledger.provider_ids.values():
            for kind in ("self_billed", "provider", "scheduled", "isf_advance"):
                for invoice in await listed(stack, pid, kind):
                    if invoice["status"] in ("approved", "scheduled", "paid") and invoice["invoice_id"] not in settled:
                        problems.append(f"{kind} invoice {invoice['number']} ({invoice['status']}) was paid by no run")
    return problems
