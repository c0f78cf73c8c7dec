"""File parsed mails as runs of their job, in bulk.

Shared by the import pipeline and Inbox approval so a mail becomes the same run
whichever way it arrives. Retries ("(Retry N)") of one run update that run: the
attempt with the highest number decides the status. Runs are written with bulk
statements: one SELECT for the neighbouring runs of every job in the batch, one
INSERT for new runs, one for their objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from backupchecks.models.jobs import Run, RunObject
from backupchecks.models.mail import Mail

# A retry mail belongs to the run that started at most this long before it.
RETRY_WINDOW = timedelta(hours=12)
# A late real run replaces a missed run recorded for a slot this close to it.
MISSED_WINDOW = timedelta(hours=12)


@dataclass
class Filing:
    """What one parsed mail says about a run, independent of where it came from."""

    mail_id: int
    job_id: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    is_retry: bool
    retry_number: int
    objects: list[dict[str, Any]]

    @property
    def attempt(self) -> int:
        return self.retry_number if self.retry_number else (1 if self.is_retry else 0)


@dataclass(eq=False)
class _RunRef:
    id: int | None
    job_id: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    is_retry: bool
    retry_number: int
    mail_id: int | None
    objects: list[dict[str, Any]] | None = None  # set when the result is replaced
    changed: bool = False
    status_changed: bool = False
    mail_ids: list[int] = field(default_factory=list)


def _parse_iso(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def filing_from_result(mail_id: int, job_id: int, result: dict[str, Any],
                       fallback_start: datetime) -> Filing:
    """Build a Filing from ``ParseResult.to_dict()`` (as stored in ``Mail.result``)."""
    return Filing(
        mail_id=mail_id,
        job_id=job_id,
        status=result.get("status") or "failed",
        started_at=_parse_iso(result.get("started_at")) or fallback_start,
        ended_at=_parse_iso(result.get("ended_at")),
        is_retry=bool(result.get("is_retry")),
        retry_number=int(result.get("retry_number") or 0),
        objects=list(result.get("objects") or []),
    )


def _same_run(candidates: Iterable[_RunRef], f: Filing) -> _RunRef | None:
    """The run this mail belongs to, if it is a retry of (or the original of) one we have."""
    best: _RunRef | None = None
    for run in candidates:
        if run.status == "missed":
            continue
        if f.is_retry:
            ok = f.started_at - RETRY_WINDOW <= run.started_at <= f.started_at
        elif run.is_retry:
            # The original arriving after its retry.
            ok = f.started_at <= run.started_at <= f.started_at + RETRY_WINDOW
        else:
            # The same report sent twice under two Message-IDs.
            ok = run.started_at == f.started_at
        if ok and (best is None or abs(run.started_at - f.started_at)
                   < abs(best.started_at - f.started_at)):
            best = run
    return best


def _merge(run: _RunRef, f: Filing) -> None:
    run.mail_ids.append(f.mail_id)
    if f.started_at < run.started_at:
        run.started_at = f.started_at
        run.changed = True
    if f.attempt >= run.retry_number:
        if run.status != f.status:
            run.status_changed = True
        run.status = f.status
        run.ended_at = f.ended_at or run.ended_at
        run.retry_number = f.attempt
        run.is_retry = run.is_retry or f.is_retry
        run.mail_id = f.mail_id
        run.objects = f.objects
        run.changed = True
    elif f.is_retry:
        run.is_retry = True
        run.changed = True


def _neighbours(session: Session, filings: Sequence[Filing]) -> dict[int, list[_RunRef]]:
    """Existing runs (incl. missed ones) near the batch's start times, per job: one query."""
    job_ids = {f.job_id for f in filings}
    lo = min(f.started_at for f in filings) - RETRY_WINDOW
    hi = max(f.started_at for f in filings) + RETRY_WINDOW
    rows = session.execute(
        select(Run.id, Run.job_id, Run.status, Run.started_at, Run.ended_at, Run.is_retry,
               Run.retry_number, Run.mail_id)
        .where(Run.job_id.in_(job_ids), Run.started_at >= lo, Run.started_at <= hi)
    ).all()
    by_job: dict[int, list[_RunRef]] = defaultdict(list)
    for r in rows:
        by_job[r.job_id].append(_RunRef(r.id, r.job_id, r.status, r.started_at, r.ended_at,
                                        r.is_retry, r.retry_number, r.mail_id))
    return by_job


def _object_rows(run_id: int, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"run_id": run_id, "name": str(o.get("name") or "")[:500] or "(unnamed)",
         "type": (o.get("type") or None) and str(o.get("type"))[:100],
         "status": o.get("status") or "failed", "message": o.get("message")}
        for o in objects
    ]


FILED_RUNS_KEY = "backupchecks.filed_run_ids"


def file_runs(session: Session, filings: Sequence[Filing], now: datetime) -> dict[int, int]:
    """Create or update the runs for ``filings``; returns mail id -> run id.

    Does not touch the mails' other columns and does not commit.
    """
    if not filings:
        return {}
    by_job = _neighbours(session, filings)
    new_runs: list[_RunRef] = []
    missed_gone: set[int] = set()
    for f in sorted(filings, key=lambda x: (x.started_at, x.attempt, x.mail_id)):
        candidates = by_job[f.job_id]
        for run in candidates:
            if (run.status == "missed" and run.id is not None
                    and abs(run.started_at - f.started_at) <= MISSED_WINDOW):
                missed_gone.add(run.id)
        match = _same_run(candidates, f)
        if match is not None:
            _merge(match, f)
            continue
        run = _RunRef(None, f.job_id, f.status, f.started_at, f.ended_at, f.is_retry,
                      f.attempt, f.mail_id, objects=f.objects, mail_ids=[f.mail_id])
        candidates.append(run)
        new_runs.append(run)

    if missed_gone:
        session.execute(delete(Run).where(Run.id.in_(missed_gone), Run.status == "missed"))
    if new_runs:
        table = Run.__table__
        ids = session.connection().execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [{"job_id": r.job_id, "status": r.status, "started_at": r.started_at,
              "ended_at": r.ended_at, "is_retry": r.is_retry, "retry_number": r.retry_number,
              "mail_id": r.mail_id, "created_at": now, "expected_at": None,
              "reviewed_at": None, "reviewed_by_id": None} for r in new_runs],
        ).scalars().all()
        for run, run_id in zip(new_runs, ids, strict=True):
            run.id = run_id
    updated = [r for runs in by_job.values() for r in runs if r.changed and r not in new_runs]
    if updated:
        rows = []
        for r in updated:
            row: dict[str, Any] = {"id": r.id, "status": r.status, "started_at": r.started_at,
                                   "ended_at": r.ended_at, "is_retry": r.is_retry,
                                   "retry_number": r.retry_number, "mail_id": r.mail_id}
            if r.status_changed:
                # A different result deserves a fresh look.
                row.update(reviewed_at=None, reviewed_by_id=None)
            rows.append(row)
        for row in rows:  # few: only retries; one statement each keeps columns per row exact
            session.execute(update(Run).where(Run.id == row.pop("id")).values(**row))
        replaced = [r.id for r in updated if r.objects is not None]
        if replaced:
            session.execute(delete(RunObject).where(RunObject.run_id.in_(replaced)))
    object_rows = [row for r in [*new_runs, *updated] if r.objects
                   for row in _object_rows(r.id, r.objects)]  # type: ignore[arg-type]
    if object_rows:
        session.connection().execute(insert(RunObject.__table__), object_rows)
    # Run Checks acts on these once they are committed (checks.on_import.process_filed).
    session.info.setdefault(FILED_RUNS_KEY, set()).update(
        r.id for r in [*new_runs, *updated] if r.id is not None)
    return {mail_id: r.id for runs in by_job.values() for r in runs  # type: ignore[misc]
            for mail_id in r.mail_ids}


def link_mails(session: Session, mail_to_run: dict[int, int]) -> None:
    """Point each filed mail at its run (bulk UPDATE by primary key)."""
    if mail_to_run:
        session.execute(update(Mail), [{"id": m, "run_id": r} for m, r in mail_to_run.items()])
