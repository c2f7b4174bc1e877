"""The hierarchical service delivery file (XML), read as a stream with a hardened parser.

Layout (element and attribute names are ours; unknown elements and attributes are ignored)::

    <?xml version="1.0" encoding="UTF-8"?>
    <ServiceDeliveryFile reference="SDF-2024-000123" provider="1-123456789">
      <ProviderContract reference="AGR-000042">                 <!-- agreement_ref -->
        <ServiceWeek serviceUser="SU-0001" weekEnding="2024-03-10">   <!-- a Sunday -->
          <Visit id="V-1001" plannedStart="2024-03-04T09:00" plannedEnd="2024-03-04T09:30">
            <Carer id="C-17" checkIn="2024-03-04T09:02" checkOut="2024-03-04T09:31" method="app"/>
            <Carer id="C-18" checkIn="04/03/2024 09:03" checkOut="04/03/2024 09:30" method="landline"/>
          </Visit>
          <Visit id="V-1002" plannedStart="2024-03-05T09:00" plannedEnd="2024-03-05T09:30">
            <Carer id="C-17" method="manual" exception="NOACCESS"/>
          </Visit>
        </ServiceWeek>
      </ProviderContract>
    </ServiceDeliveryFile>

Each `<Carer>` becomes one raw record with the field names of the CSV export (provider_ref from
the file, agreement_ref from the contract, service_user_ref from the week, visit fields from the
visit). Times take the same formats as the CSV. Rows are numbered by carer record (1, 2, ...);
rejects also carry the source line and the element path.

Safety: the file is read as UTF-8 whatever it declares, and any DOCTYPE is refused before the
parser sees it, so no entity can be defined ("billion laughs", external entities); the parser
also loads no DTD, resolves no entity and uses no network. Memory is bounded: every element, known or
not, is cleared and detached once read (and libxml2's huge_tree stays off, which caps any one text
node at 10 MB).
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, BinaryIO

from lxml import etree

from services.delivery.domain.attendance import parse_feed_time
from services.delivery.domain.rejects import FeedFileError, Reason, Reject, quoted, refuse_wide_encoding, reject
from shared.clock import london_date

ROOT, CONTRACT, WEEK, VISIT, CARER = "ServiceDeliveryFile", "ProviderContract", "ServiceWeek", "Visit", "Carer"
_VISIT_FIELDS = {"id": "visit_id", "plannedStart": "planned_start", "plannedEnd": "planned_end"}
_CARER_FIELDS = {"id": "carer_id", "checkIn": "check_in", "checkOut": "check_out",
                 "method": "check_in_method", "exception": "exception_code"}
_DOCTYPE = b"<!DOCTYPE"
_KNOWN = frozenset((ROOT, CONTRACT, WEEK, VISIT, CARER))
_MAX_NAMES_COUNTED = 64  # distinct child names numbered per element in reject paths


class _RefuseDoctype:
    """A read-through stream that fails as soon as a DOCTYPE appears (entities need one), or at once
    when the file is UTF-16 or UTF-32 (read as UTF-8 whatever it declares)."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._tail = b""
        self._started = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if not self._started:
            self._started = True
            refuse_wide_encoding(chunk, "UTF-8 (the encoding the file declares is not read)")
        seam = self._tail + chunk[: len(_DOCTYPE)]  # a DOCTYPE may straddle two reads
        if _DOCTYPE in chunk or _DOCTYPE in seam:
            raise FeedFileError("doctype_refused", "the file declares a DOCTYPE: service delivery files may "
                                "not contain a DTD or entity declarations; remove the <!DOCTYPE ...> block")
        self._tail = (self._tail + chunk)[-(len(_DOCTYPE) - 1):]
        return chunk


def _malformed(e: etree.XMLSyntaxError, log: Any) -> FeedFileError:
    # iterparse's own message can be a vague "no element found"; this parser's log names the cause.
    fatals = list(log.filter_from_fatals()) if log else []
    message, line = (fatals[-1].message, fatals[-1].line) if fatals else (e.msg, e.lineno)
    return FeedFileError("xml_malformed", f"not well-formed XML at line {line}: {message}", line=line)


def _local(tag: Any) -> str:
    return tag[tag.rfind("}") + 1:] if isinstance(tag, str) else "?"  # "{namespace}Visit" -> "Visit"


def _week_ending(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        try:
            return datetime.strptime(text.strip(), "%d/%m/%Y").date()
        except ValueError:
            return None


class ServiceDeliveryFile:
    """An opened service delivery file: `reference` and `provider_ref` are read from the root
    before any visit, so a duplicate file can be refused before its rows are processed."""

    def __init__(self, stream: BinaryIO):
        self._events = etree.iterparse(
            _RefuseDoctype(stream), events=("start", "end"), encoding="utf-8", load_dtd=False,
            resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
        self._path: list[list[Any]] = []  # [name, index among same-named siblings, {child name: count}]
        event, root = self._next()
        self._root = root  # the tree built so far (elements are dropped once read)
        if event != "start" or _local(root.tag) != ROOT:
            raise FeedFileError("not_a_service_delivery_file",
                                f"the root element must be <{ROOT}>, not <{_local(root.tag)}>", line=root.sourceline)
        self._enter(ROOT)
        self.reference = (root.get("reference") or "").strip()
        self.provider_ref = (root.get("provider") or "").strip()
        for attr, value in (("reference", self.reference), ("provider", self.provider_ref)):
            if not value:
                raise FeedFileError(f"missing_file_{attr}", f"<{ROOT}> needs a {attr} attribute", line=root.sourceline)

    def _next(self) -> tuple[str, Any]:
        try:
            return next(self._events)
        except etree.XMLSyntaxError as e:
            raise _malformed(e, self._events.error_log) from None
        except StopIteration:
            raise FeedFileError("xml_malformed", "the file ends before its root element") from None

    def _enter(self, name: str) -> None:
        if self._path:
            siblings = self._path[-1][2]
            if name not in siblings and len(siblings) >= _MAX_NAMES_COUNTED and name not in _KNOWN:
                self._path.append([name, 0, {}])  # an unknown name among many: not numbered (bounded)
                return
            siblings[name] = siblings.get(name, 0) + 1
            self._path.append([name, siblings[name], {}])
        else:
            self._path.append([name, 1, {}])

    def _where(self) -> str:
        return "/" + "/".join(f"{name}[{i}]" if depth and i else name for depth, (name, i, _) in enumerate(self._path))

    def rows(self) -> Iterator[tuple[int, dict[str, str]] | Reject]:
        """Each `<Carer>` as (row, raw record), or a `Reject` naming the element path and line.

        A syntax error part-way raises `FeedFileError` (with the line) after the rows before it.
        """
        row = 0
        contract: dict[str, str] | None = None
        week: _Week | None = None
        visit: _Visit | None = None
        while True:
            try:
                event, el = next(self._events)
            except StopIteration:
                return
            except etree.XMLSyntaxError as e:
                raise _malformed(e, self._events.error_log) from None
            name = _local(el.tag)
            if event == "start":
                self._enter(name)
                if name == CONTRACT:
                    contract = {"agreement_ref": el.get("reference", "")}
                elif name == WEEK:
                    week = _Week(el.get("serviceUser", ""), el.get("weekEnding"))
                elif name == VISIT:
                    visit = _Visit(self.provider_ref, contract, week, el.attrib)
                continue
            if name == CARER:
                row += 1
                yield self._carer(row, el, visit)
            elif name == VISIT:
                if visit is not None and visit.carers == 0:
                    row += 1
                    yield reject(row, None, Reason.VISIT_WITHOUT_CARER,
                                 f"visit {quoted(el.get('id'))} has no <{CARER}>: send one per carer who attended "
                                 "(with an exception code when nobody did)", line=el.sourceline, path=self._where())
                visit = None
            elif name == WEEK:
                week = None
            elif name == CONTRACT:
                contract = None
            self._path.pop()
            # Drop every element once read, known or not, and the siblings read before it, so memory
            # does not grow with the file (megabytes of unknown elements included).
            el.clear(keep_tail=False)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]

    def _carer(self, row: int, el: Any, visit: _Visit | None) -> tuple[int, dict[str, str]] | Reject:
        if visit is None or visit.base is None:
            return reject(row, None, Reason.MISPLACED_ELEMENT, f"<{CARER}> must sit in {ROOT}/{CONTRACT}/{WEEK}/{VISIT}",
                          line=el.sourceline, path=self._where())
        visit.carers += 1
        raw = dict(visit.base)
        attrs = el.attrib
        for attr, field in _CARER_FIELDS.items():
            value = attrs.get(attr)
            if value is not None:
                raw[field] = value
        if visit.problem is not None:
            field, reason, message = visit.problem
            return reject(row, field, reason, message, raw=raw, line=el.sourceline, path=self._where())
        return row, raw


class _Week:
    __slots__ = ("service_user_ref", "ending_text", "ending")

    def __init__(self, service_user_ref: str, ending_text: str | None):
        self.service_user_ref = service_user_ref
        self.ending_text = ending_text
        self.ending = _week_ending(ending_text)


class _Visit:
    """What every carer of a visit shares, and any problem of the visit itself (checked once)."""

    __slots__ = ("base", "problem", "carers")

    def __init__(self, provider_ref: str, contract: dict[str, str] | None, week: _Week | None, attrs: Any):
        self.carers = 0
        self.problem: tuple[str, str, str] | None = None
        self.base: dict[str, str] | None = None
        if contract is None or week is None:
            return  # misplaced: its carers are rejected as such
        self.base = {"provider_ref": provider_ref, **contract, "service_user_ref": week.service_user_ref}
        for attr, field in _VISIT_FIELDS.items():
            value = attrs.get(attr)
            if value is not None:
                self.base[field] = value
        if week.ending is None:
            self.problem = ("week_ending", Reason.TIME_UNPARSEABLE,
                            f"<{WEEK}> weekEnding {quoted(week.ending_text)} is not a date (yyyy-mm-dd)")
        else:
            outside = _outside_week(self.base.get("planned_start"), week.ending)
            if outside:
                self.problem = ("planned_start", Reason.OUTSIDE_SERVICE_WEEK, outside)


def _outside_week(planned_start: str | None, ending: date) -> str | None:
    try:
        day = london_date(parse_feed_time(planned_start)) if planned_start else None
    except ValueError:
        return None  # validation reports the unparseable time
    if day is not None and not ending - timedelta(days=6) <= day <= ending:
        return (f"planned_start {day.isoformat()} is outside the service week ending {ending.isoformat()}: "
                "put the visit under the week it falls in")
    return None


def open_service_delivery_file(stream: BinaryIO) -> ServiceDeliveryFile:
    """Open a service delivery file from a binary stream, reading only as far as its root element
    (raises `FeedFileError` for a file that is not one, or declares a DOCTYPE)."""
    return ServiceDeliveryFile(stream)
