"""Customers: add, rename, (de)activate, map to Autotask companies, CSV import and export.

Views stay thin: they call these functions, commit on success and roll back on
an error. Every change is audited in the same transaction as the change itself.
Functions that talk to Autotask take an ``AutotaskClient`` so the caller decides
how it is made and closed (views use :func:`autotask_client`), and every one of
them asks Autotask *before* touching the database: an Autotask error leaves
nothing half-done.

The Autotask company id is the key of a mapping; the company name on the
customer is a cached label, refreshed on demand by :func:`refresh_mappings`.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from backupchecks import audit
from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.errors import AutotaskError, AutotaskNotFound
from backupchecks.autotask.filters import MAX_IN_VALUES
from backupchecks.extensions import db
from backupchecks.models.jobs import Customer, Job

logger = logging.getLogger(__name__)

NAME_MAX = 200  # Customer.name is String(200)
COMPANY_NAME_MAX = 300  # Customer.autotask_company_name is String(300)
QUERY_MIN, QUERY_MAX = 2, 100
SEARCH_LIMIT = 20

STATE_OK, STATE_RENAMED, STATE_MISSING = "ok", "renamed", "missing"
# What the page shows for each mapping state; "unmapped" and "unchecked" are
# derived (no company id / mapped by other code and never checked).
STATE_LABELS = {
    STATE_OK: "ok",
    STATE_RENAMED: "renamed in Autotask",
    STATE_MISSING: "missing in Autotask",
    "unmapped": "not mapped",
    "unchecked": "not checked yet",
}

# Searches run inside a page request while someone types: fail fast rather
# than make them wait through long retries. Batch work may wait a little longer.
SEARCH_CLIENT_OPTIONS: dict[str, Any] = {"timeout": (3.0, 10.0), "max_retries": 1}
BATCH_CLIENT_OPTIONS: dict[str, Any] = {"timeout": (5.0, 30.0), "max_retries": 2}

# The refresh writes why a mapping is renamed/missing into the audit log; the
# list page reads the latest of these back, so the names Autotask now uses
# survive until someone acts (the customers table has no column for them).
NOTE_RENAMED = "customer.mapping_renamed"
NOTE_MISSING = "customer.mapping_missing"


class CustomerError(ValueError):
    """A refused change; the message is shown to the person as it is."""


# --------------------------------------------------------------------- helpers


def target(customer: Customer) -> str:
    """The audit target of a customer: by id, so it survives a rename."""
    return f"customer {customer.id}"


def mapping_key(customer: Customer) -> str:
    """ok / renamed / missing / unmapped / unchecked: the key into STATE_LABELS."""
    if customer.autotask_company_id is None:
        return "unmapped"
    return customer.mapping_state if customer.mapping_state in STATE_LABELS else "unchecked"


def clean_name(raw: str | None) -> str:
    """Trim and collapse inner white space; refuse what cannot be a customer name."""
    name = " ".join((raw or "").split())
    if not name:
        raise CustomerError("A customer needs a name.")
    if len(name) > NAME_MAX:
        raise CustomerError(f"A customer name has at most {NAME_MAX} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise CustomerError("A customer name cannot contain control characters.")
    return name


def find_by_name(name: str) -> Customer | None:
    """Names are unique without regard to case: "ACME" and "Acme" are one customer."""
    return db.session.scalar(select(Customer).where(func.lower(Customer.name) == name.lower()))


def _ensure_free(name: str, *, current: Customer | None = None) -> None:
    other = find_by_name(name)
    if other is not None and other is not current:
        raise CustomerError(f"A customer named {other.name!r} already exists.")


@contextmanager
def autotask_client(**options: Any) -> Iterator[AutotaskClient]:
    """A client for the configured tenant, closed afterwards (AutotaskConfigError if not set up)."""
    from backupchecks.autotask.config import make_client

    client = make_client(**options)
    try:
        yield client
    finally:
        client.close()


def record_failure(action: str, what: str, exc: Exception) -> str:
    """Log and audit a refused or failed Autotask action; returns the message for the page.

    Call it after rolling back, so the audit row is the only thing committed.
    """
    message = str(exc)
    if isinstance(exc, AutotaskError):
        logger.warning("Autotask call for %s (%s) failed: %r", action, what, exc)
    audit.record(action, what, message)
    return message


# ------------------------------------------------------------- create, edit


def create(name: str, *, active: bool = True) -> Customer:
    name = clean_name(name)
    _ensure_free(name)
    customer = Customer(name=name, active=active)
    db.session.add(customer)
    db.session.flush()  # the id goes into the audit target
    audit.record("customer.created", target(customer), name)
    return customer


def rename(customer: Customer, new_name: str) -> bool:
    """True when the name changed. A change of case only is a rename too."""
    name = clean_name(new_name)
    if name == customer.name:
        return False
    _ensure_free(name, current=customer)
    audit.record("customer.renamed", target(customer), f"{customer.name} -> {name}")
    customer.name = name
    return True


def set_active(customer: Customer, active: bool) -> bool:
    if customer.active == active:
        return False
    customer.active = active
    audit.record("customer.activated" if active else "customer.deactivated", target(customer),
                 customer.name)
    return True


# -------------------------------------------------------------------- list


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    jobs: int  # not archived
    archived_jobs: int
    # renamed: the name Autotask now uses; missing: why, in words.
    note: str | None = None

    @property
    def state(self) -> str:
        return mapping_key(self.customer)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def list_customers() -> list[CustomerRow]:
    """Every customer with job counts, in a fixed number of queries whatever their number."""
    customers = db.session.scalars(select(Customer).order_by(func.lower(Customer.name))).all()
    counts = {
        customer_id: (int(total or 0), int(archived or 0))
        for customer_id, total, archived in db.session.execute(
            select(Job.customer_id, func.count(Job.id),
                   func.sum(case((Job.archived.is_(True), 1), else_=0)))
            .group_by(Job.customer_id)
        )
    }
    rows = []
    for c in customers:
        total, archived = counts.get(c.id, (0, 0))
        rows.append(CustomerRow(c, total - archived, archived, _note_for(c)))
    return rows


def customer_row(customer: Customer) -> CustomerRow:
    """One customer's row (its page); a handful of queries."""
    total, archived = db.session.execute(
        select(func.count(Job.id), func.sum(case((Job.archived.is_(True), 1), else_=0)))
        .where(Job.customer_id == customer.id)
    ).one()
    total, archived = int(total or 0), int(archived or 0)
    return CustomerRow(customer, total - archived, archived, _note_for(customer))


def _note_for(customer: Customer) -> str | None:
    """renamed: the name Autotask now uses; missing: why, in words."""
    if customer.mapping_state in (STATE_RENAMED, STATE_MISSING):
        return customer.mapping_note
    return None


# ----------------------------------------------------------------- mapping


@dataclass(frozen=True)
class CompanyHit:
    id: int
    name: str
    active: bool
    number: str | None = None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> CompanyHit:
        return cls(id=int(row["id"]), name=str(row.get("companyName") or "").strip(),
                   active=bool(row.get("isActive")),
                   number=str(row["companyNumber"]) if row.get("companyNumber") else None)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "active": self.active, "number": self.number}


@dataclass(frozen=True)
class Suggestion:
    company: CompanyHit
    score: float

    def as_json(self) -> dict[str, Any]:
        return {**self.company.as_json(), "score": round(self.score, 2)}


def clean_query(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if len(text) < QUERY_MIN:
        raise CustomerError(f"Type at least {QUERY_MIN} characters to search Autotask.")
    if len(text) > QUERY_MAX:
        raise CustomerError(f"Search with at most {QUERY_MAX} characters.")
    return text


def search_companies(client: AutotaskClient, query: str, limit: int = SEARCH_LIMIT) -> list[CompanyHit]:
    """Companies whose name contains ``query``: one Autotask query, active ones first."""
    text = clean_query(query)
    return [CompanyHit.from_api(row) for row in client.search_companies(text, limit=limit)]


# Words that say nothing about which company is meant: legal forms, articles.
_NOISE_WORDS = frozenset({
    "bv", "b.v.", "nv", "n.v.", "vof", "v.o.f.", "ltd", "limited", "llc", "inc", "gmbh", "ag",
    "sa", "plc", "co", "corp", "the", "de", "het", "een", "van", "der", "den", "en", "and", "&",
})
SUGGEST_CUTOFF = 0.75
LEADING_WORDS_WEIGHT = 0.9


def _normalise(name: str) -> str:
    words = re.sub(r"[^\w&.]+", " ", name.casefold()).split()
    kept = [w for w in words if w not in _NOISE_WORDS]
    return " ".join(w.strip(".") for w in (kept or words))


def suggestion_query(name: str) -> str:
    """What to search Autotask for to suggest a company: the first telling word of the name.

    "De Vries Tandartsen" searches for "Vries"; a name without such a word searches for itself.
    """
    for word in re.split(r"[^\w&]+", name):
        if len(word) >= 3 and word.casefold() not in _NOISE_WORDS:
            return word
    return " ".join(name.split())[:QUERY_MAX]


def _similarity(wanted: str, candidate: str) -> float:
    """difflib's ratio of the whole names, or (a little lower) of their leading words.

    The leading words catch "Brouwer" for "Brouwer Accountants": the whole-name
    ratio alone punishes the extra word.
    """
    whole = difflib.SequenceMatcher(None, wanted, candidate).ratio()
    a, b = wanted.split(), candidate.split()
    n = min(len(a), len(b))
    if not n or len(a) == len(b):
        return whole
    lead = difflib.SequenceMatcher(None, " ".join(a[:n]), " ".join(b[:n])).ratio()
    return max(whole, LEADING_WORDS_WEIGHT * lead)


def suggest(customer_name: str, companies: list[CompanyHit]) -> Suggestion | None:
    """The active company whose name is closest to the customer's, if it is close enough."""
    wanted = _normalise(customer_name)
    best: Suggestion | None = None
    for company in companies:
        if not company.active:
            continue
        score = _similarity(wanted, _normalise(company.name))
        if score >= SUGGEST_CUTOFF and (best is None or score > best.score):
            best = Suggestion(company, score)
    return best


def _company_label(row: dict[str, Any]) -> str:
    return str(row.get("companyName") or "").strip()[:COMPANY_NAME_MAX]


def map_company(customer: Customer, company_id: Any, client: AutotaskClient) -> Customer:
    """Map to the company with this id, its name read from Autotask (never from the browser)."""
    try:
        cid = int(str(company_id).strip())
    except ValueError:
        raise CustomerError("Pick an Autotask company.") from None
    if cid <= 0:
        raise CustomerError("Pick an Autotask company.")
    try:
        company = client.get_company(cid)
    except AutotaskNotFound:
        raise CustomerError(f"Autotask has no company with id {cid}.") from None
    name = _company_label(company)
    if not company.get("isActive"):
        raise CustomerError(
            f"{name or cid} is inactive in Autotask; tickets cannot be made for it. "
            "Activate it in Autotask first, or pick another company."
        )
    before = customer.autotask_company_id
    customer.autotask_company_id = cid
    customer.autotask_company_name = name
    customer.mapping_state, customer.mapping_note = STATE_OK, None
    was = f" (was company {before})" if before is not None and before != cid else ""
    audit.record("customer.mapped", target(customer),
                 f"{customer.name} -> Autotask company {cid} ({name}){was}")
    return customer


def unmap(customer: Customer) -> bool:
    if customer.autotask_company_id is None:
        return False
    audit.record("customer.unmapped", target(customer),
                 f"{customer.name} was Autotask company {customer.autotask_company_id} "
                 f"({customer.autotask_company_name or '?'})")
    customer.autotask_company_id = None
    customer.autotask_company_name = None
    customer.mapping_state, customer.mapping_note = None, None
    return True


def accept_new_name(customer: Customer, client: AutotaskClient) -> str:
    """Take the name Autotask now uses as the cached label; read fresh, so it is current."""
    cid = customer.autotask_company_id
    if cid is None:
        raise CustomerError(f"{customer.name} is not mapped to an Autotask company.")
    try:
        company = client.get_company(cid)
    except AutotaskNotFound:
        raise CustomerError(
            f"Autotask no longer has company {cid}; map {customer.name} to another company."
        ) from None
    if not company.get("isActive"):
        raise CustomerError(f"Autotask company {cid} is inactive now; map {customer.name} to "
                            "another company or activate it in Autotask.")
    name = _company_label(company)
    old = customer.autotask_company_name
    customer.autotask_company_name = name
    customer.mapping_state, customer.mapping_note = STATE_OK, None
    audit.record("customer.autotask_name_accepted", target(customer), f"{old or '?'} -> {name}")
    return name


@dataclass
class RefreshResult:
    customers: int = 0  # mapped customers checked
    companies: int = 0  # distinct company ids asked for
    queries: int = 0  # Companies queries: one per MAX_IN_VALUES ids
    ok: int = 0
    renamed: int = 0
    missing: int = 0

    def summary(self) -> str:
        if not self.customers:
            return "No customer is mapped to an Autotask company yet."
        return (f"Checked {self.customers} mapped customer(s) in {self.queries} Autotask "
                f"quer{'y' if self.queries == 1 else 'ies'}: {self.ok} ok, "
                f"{self.renamed} renamed, {self.missing} missing.")


def refresh_mappings(client: AutotaskClient) -> RefreshResult:
    """Check every mapped company in batched queries and set ok / renamed / missing.

    All companies are fetched before anything changes, so an Autotask error
    leaves every mapping as it was.
    """
    customers = db.session.scalars(
        select(Customer).where(Customer.autotask_company_id.is_not(None)).order_by(Customer.id)
    ).all()
    result = RefreshResult(customers=len(customers))
    if not customers:
        return result
    ids = sorted({int(c.autotask_company_id) for c in customers if c.autotask_company_id})
    result.companies = len(ids)
    result.queries = -(-len(ids) // MAX_IN_VALUES)
    found = {int(row["id"]): row for row in client.get_companies(ids)}
    for customer in customers:
        state, note = _classify(customer, found.get(int(customer.autotask_company_id or 0)))
        setattr(result, state, getattr(result, state) + 1)
        _apply_state(customer, state, note)
    audit.record("customer.mappings_refreshed", f"{result.customers} customers", result.summary())
    return result


def _classify(customer: Customer, company: dict[str, Any] | None) -> tuple[str, str | None]:
    """The state and its note: for renamed the new Autotask name, for missing the reason."""
    cid = customer.autotask_company_id
    if company is None:
        return STATE_MISSING, (f"Autotask company {cid} no longer exists "
                               "(or the API user may not see it).")
    name = _company_label(company)
    if not company.get("isActive"):
        return STATE_MISSING, f"Autotask company {cid} ({name}) is inactive in Autotask."
    if customer.autotask_company_name and name != customer.autotask_company_name:
        return STATE_RENAMED, name
    if not customer.autotask_company_name:
        customer.autotask_company_name = name  # no label yet: take Autotask's
    return STATE_OK, None


def _apply_state(customer: Customer, state: str, note: str | None) -> None:
    before, before_note = customer.mapping_state, customer.mapping_note
    customer.mapping_state, customer.mapping_note = state, note
    if before == state and before_note == note:
        return
    cid = customer.autotask_company_id
    if state == STATE_RENAMED:
        audit.record(NOTE_RENAMED, target(customer), f"Autotask company {cid} is now called {note}")
    elif state == STATE_MISSING:
        audit.record(NOTE_MISSING, target(customer), note or "")
    else:
        audit.record("customer.mapping_ok", target(customer),
                     f"Autotask company {cid} matches ({customer.autotask_company_name}).")


# --------------------------------------------------------------------- CSV

CSV_COLUMNS = ("name", "active", "autotask_company_id")
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 10_000
MAX_ERRORS_SHOWN = 50
_TRUE = frozenset({"yes", "y", "true", "1", "active", "ja", "j", "x"})
_FALSE = frozenset({"no", "n", "false", "0", "inactive", "nee"})
# Spreadsheets run a cell that starts with these as a formula: export them
# behind a quote (shown as text), and take that quote off again on import.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_csv() -> str:
    """Every customer as CSV, with a BOM so Excel reads the UTF-8 right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in db.session.scalars(select(Customer).order_by(func.lower(Customer.name))):
        name = "'" + c.name if c.name.startswith(_FORMULA_START) else c.name
        writer.writerow([name, "yes" if c.active else "no",
                         "" if c.autotask_company_id is None else str(c.autotask_company_id)])
    return out.getvalue()


class ImportRejected(Exception):
    """The file was refused as a whole; ``errors`` says why, line by line."""

    def __init__(self, errors: list[str], *, autotask_failed: bool = False) -> None:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(f"… and {len(errors) - MAX_ERRORS_SHOWN} more problem(s).")
        super().__init__("; ".join(shown))
        self.errors = shown
        self.autotask_failed = autotask_failed


@dataclass(frozen=True)
class CsvRow:
    line: int
    name: str
    active: bool | None  # None: leave as is (new customers are active)
    company_id: int | None  # None: leave the mapping as is


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return (f"Imported: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged.")


def _decode(data: bytes) -> str:
    if len(data) > CSV_MAX_BYTES:
        raise ImportRejected([f"The file is larger than {CSV_MAX_BYTES // (1024 * 1024)} MB."])
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise ImportRejected([
            "The file is not UTF-8 text. In Excel, save it as \"CSV UTF-8 (comma delimited)\"."
        ]) from None
    if "\x00" in text:
        raise ImportRejected(["The file is not a CSV text file."])
    if not text.strip():
        raise ImportRejected(["The file is empty."])
    return text


def _delimiter(text: str) -> str:
    """Excel writes ";" where the decimal separator is a comma: decide from the header."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column(raw: str) -> str:
    return re.sub(r"[\s\-]+", "_", raw.strip().strip('"').casefold())


def parse_csv(data: bytes) -> list[CsvRow]:
    """Read and check the whole file; ImportRejected lists every problem by line."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    errors: list[str] = []
    header: list[str] | None = None
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, and Excel's rows of only separators
            if header is None:
                header = [_column(cell) for cell in cells]
                while header and not header[-1]:
                    header.pop()
                errors.extend(_check_header(header))
                if errors:
                    raise ImportRejected(errors)
                continue
            if len(rows) + len(errors) >= CSV_MAX_ROWS:
                raise ImportRejected([f"The file has more than {CSV_MAX_ROWS} rows; split it."])
            row = _parse_row(line, header, cells, seen, errors)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise ImportRejected([f"Line {reader.line_num}: the file is not valid CSV ({exc})."]) from None
    if header is None:
        raise ImportRejected(["The file is empty."])
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected(["The file has a header but no customers."])
    return rows


def _check_header(header: list[str]) -> list[str]:
    errors = []
    expected = ", ".join(CSV_COLUMNS)
    unknown = [h or "(empty)" for h in header if h not in CSV_COLUMNS]
    if unknown:
        errors.append(f"Line 1: unknown column(s) {', '.join(unknown)}; the columns are {expected}.")
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    if doubled:
        errors.append(f"Line 1: column(s) {', '.join(doubled)} appear more than once.")
    if "name" not in header:
        errors.append(f"Line 1: the header needs a name column (the columns are {expected}).")
    return errors


def _parse_row(line: int, header: list[str], cells: list[str], seen: dict[str, int],
               errors: list[str]) -> CsvRow | None:
    extra = cells[len(header):]
    if any(cell.strip() for cell in extra):
        errors.append(f"Line {line}: {len(cells)} values, but the header has {len(header)} columns.")
        return None
    values = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)}
    before = len(errors)
    raw_name = values.get("name", "")
    if len(raw_name) > 1 and raw_name[0] == "'" and raw_name[1:].startswith(_FORMULA_START):
        raw_name = raw_name[1:]  # our export's formula guard
    name = ""
    try:
        name = clean_name(raw_name)
    except CustomerError as exc:
        errors.append(f"Line {line}: {exc}")
    if name:
        key = name.casefold()
        if key in seen:
            errors.append(f"Line {line}: {name!r} is already on line {seen[key]}.")
        else:
            seen[key] = line
    active: bool | None = None
    raw_active = values.get("active", "").casefold()
    if raw_active in _TRUE:
        active = True
    elif raw_active in _FALSE:
        active = False
    elif raw_active:
        errors.append(f"Line {line}: active must be yes or no, not {values['active']!r}.")
    company_id: int | None = None
    raw_id = values.get("autotask_company_id", "")
    if raw_id:
        if (raw_id.isascii() and raw_id.isdigit()) and int(raw_id) > 0:
            company_id = int(raw_id)
        else:
            errors.append(f"Line {line}: autotask_company_id must be a whole number like 123, "
                          f"not {raw_id!r}.")
    if len(errors) > before:
        return None
    return CsvRow(line, name, active, company_id)


def import_csv(data: bytes, client_factory: Callable[[], AutotaskClient]) -> ImportResult:
    """Create or update customers by name from CSV: all of the file, or nothing.

    New or changed company ids are checked in Autotask (batched, one query per
    500 ids) and their names cached; ``client_factory`` is only called then.
    Not committed: the caller commits, or rolls back on ImportRejected.
    """
    rows = parse_csv(data)
    existing = {c.name.casefold(): c for c in db.session.scalars(select(Customer))}
    changed_ids = sorted({
        r.company_id for r in rows if r.company_id is not None and (
            (c := existing.get(r.name.casefold())) is None or c.autotask_company_id != r.company_id)
    })
    companies = _lookup_companies(changed_ids, client_factory) if changed_ids else {}
    errors = []
    for r in rows:
        if r.company_id is None or r.company_id not in changed_ids:
            continue
        company = companies.get(r.company_id)
        if company is None:
            errors.append(f"Line {r.line}: Autotask has no company with id {r.company_id}.")
        elif not company.get("isActive"):
            errors.append(f"Line {r.line}: Autotask company {r.company_id} "
                          f"({_company_label(company)}) is inactive.")
    if errors:
        raise ImportRejected(errors)
    result = ImportResult()
    for r in rows:
        customer = existing.get(r.name.casefold())
        if customer is None:
            customer = Customer(name=r.name, active=True if r.active is None else r.active)
            db.session.add(customer)
            db.session.flush()
            audit.record("customer.created", target(customer), f"{r.name} (CSV import)")
            result.created += 1
            changes = []
        else:
            changes = []
            if r.active is not None and r.active != customer.active:
                customer.active = r.active
                changes.append("active" if r.active else "deactivated")
        if r.company_id is not None and r.company_id != customer.autotask_company_id:
            company = companies[r.company_id]  # looked up above: every changed id is there
            customer.autotask_company_id = r.company_id
            customer.autotask_company_name = _company_label(company)
            customer.mapping_state, customer.mapping_note = STATE_OK, None
            changes.append(f"mapped to Autotask company {r.company_id} ({_company_label(company)})")
        if changes:
            audit.record("customer.imported", target(customer),
                         f"{customer.name}: {', '.join(changes)} (CSV import)")
            if r.name.casefold() in existing:
                result.updated += 1
        elif r.name.casefold() in existing:
            result.unchanged += 1
    audit.record("customer.csv_imported", f"{len(rows)} rows", result.summary())
    return result


def _lookup_companies(ids: list[int], client_factory: Callable[[], AutotaskClient],
                      ) -> dict[int, dict[str, Any]]:
    try:
        client = client_factory()
        try:
            return {int(row["id"]): row for row in client.get_companies(ids)}
        finally:
            client.close()
    except AutotaskError as exc:
        logger.warning("CSV import: Autotask company lookup failed: %r", exc)
        raise ImportRejected(
            [f"Could not check the Autotask company ids: {exc} Nothing was imported."],
            autotask_failed=True,
        ) from None
