"""The records as each feed puts them on the wire (contracts/ecm.py field names).

Kafka and the HTTP batch carry ISO 8601 UTC times; the CSV export is what Excel saves (UTF-8 BOM,
CRLF, columns in its own order with an extra one, UK dates `dd/mm/yyyy HH:MM` in London time); the
XML service delivery file nests provider contract, service user week and visit, with London times
without an offset. `fields` returns what was sent, as strings, for whoever checks the outcome.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime, timedelta
from xml.sax.saxutils import quoteattr

from shared.clock import LONDON
from shared.demo.attendance import Attendance

# The export's header, in its own order, as the rota system names the columns; notes is extra.
CSV_COLUMNS = (("visit_id", "visit_id"), ("Carer ID", "carer_id"), ("service_user_ref", "service_user_ref"),
               ("provider_ref", "provider_ref"), ("planned_start", "planned_start"), ("planned_end", "planned_end"),
               ("check_in", "check_in"), ("check_out", "check_out"), ("check_in_method", "check_in_method"),
               ("exception_code", "exception_code"), ("notes", None))


def iso_utc(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def uk_local(t: datetime | None) -> str:
    return t.astimezone(LONDON).strftime("%d/%m/%Y %H:%M") if t else ""


def iso_local(t: datetime | None) -> str | None:
    return t.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M") if t else None


def record(a: Attendance, provider_ref: str, agreement_ref: str | None = None) -> dict[str, str | None]:
    """The ECM record of an attendance (Kafka message, HTTP batch item)."""
    out = {"provider_ref": provider_ref, "service_user_ref": a.person_ref, "visit_id": a.visit_id,
           "carer_id": a.carer_id, "planned_start": iso_utc(a.planned_start), "planned_end": iso_utc(a.planned_end),
           "check_in": iso_utc(a.check_in), "check_out": iso_utc(a.check_out), "check_in_method": a.method,
           "exception_code": a.exception}
    if agreement_ref:
        out["agreement_ref"] = agreement_ref
    return out


def csv_fields(a: Attendance, provider_ref: str) -> dict[str, str]:
    """The row's cells by ECM field name, as the export writes them."""
    return {"visit_id": a.visit_id, "carer_id": a.carer_id, "service_user_ref": a.person_ref,
            "provider_ref": provider_ref, "planned_start": uk_local(a.planned_start),
            "planned_end": uk_local(a.planned_end), "check_in": uk_local(a.check_in),
            "check_out": uk_local(a.check_out), "check_in_method": a.method, "exception_code": a.exception or ""}


def csv_export(rows: list[dict[str, str]], *, columns: tuple[tuple[str, str | None], ...] = CSV_COLUMNS) -> bytes:
    """A visit export as Excel saves it: BOM, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _ in columns])
    for row in rows:
        writer.writerow([row.get(field, "") if field else "exported from the rota system" for _, field in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xml_fields(a: Attendance, provider_ref: str, agreement_ref: str) -> dict[str, str | None]:
    return {"provider_ref": provider_ref, "agreement_ref": agreement_ref, "service_user_ref": a.person_ref,
            "visit_id": a.visit_id, "carer_id": a.carer_id or None, "planned_start": iso_local(a.planned_start),
            "planned_end": iso_local(a.planned_end), "check_in": iso_local(a.check_in),
            "check_out": iso_local(a.check_out), "check_in_method": a.method, "exception_code": a.exception}


def service_delivery_file(reference: str, provider_ref: str, rows: list[dict[str, str | None]]) -> bytes:
    """The XML file of `rows` (xml_fields), nested contract > service user week > visit > carer."""
    nested: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for r in rows:
        local = datetime.fromisoformat(r["planned_start"])  # type: ignore[arg-type]
        ending = (local + timedelta(days=6 - local.weekday())).date().isoformat()
        nested[r["agreement_ref"]][(r["service_user_ref"], ending)][
            (r["visit_id"], r["planned_start"], r["planned_end"])].append(r)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<ServiceDeliveryFile reference={quoteattr(reference)} provider={quoteattr(provider_ref)}>"]
    for contract, weeks in nested.items():
        lines.append(f"  <ProviderContract reference={quoteattr(contract)}>")
        for (person, ending), visits in weeks.items():
            lines.append(f"    <ServiceWeek serviceUser={quoteattr(person)} weekEnding={quoteattr(ending)}>")
            for (visit_id, start, end), carers in visits.items():
                lines.append(f"      <Visit id={quoteattr(visit_id)} plannedStart={quoteattr(start)}"
                             f" plannedEnd={quoteattr(end)}>")
                for c in carers:
                    attrs = [("id", c["carer_id"]), ("checkIn", c["check_in"]), ("checkOut", c["check_out"]),
                             ("method", c["check_in_method"]), ("exception", c["exception_code"])]
                    lines.append("        <Carer " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs if v) + "/>")
                lines.append("      </Visit>")
            lines.append("    </ServiceWeek>")
        lines.append("  </ProviderContract>")
    lines.append("</ServiceDeliveryFile>")
    return ("\n".join(lines) + "\n").encode("utf-8")
