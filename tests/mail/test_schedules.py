"""Schedules learned from run history, and missed runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backupchecks.extensions import db
from backupchecks.mail.jobs import calendar_strip
from backupchecks.mail.schedules import Schedule, check_missed, learn, missed_slots, slots
from backupchecks.models.jobs import Run
from tests.factories import make_customer, make_job, make_run
from tests.mail.conftest import make_mail, run_import

AMS = ZoneInfo("Europe/Amsterdam")


def local(day: date, hour: int = 22, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS).astimezone(UTC)


def days(start: date, n: int, keep=lambda d: True, hour: int = 22) -> list[datetime]:
    return [local(start + timedelta(days=i), hour) for i in range(n)
            if keep(start + timedelta(days=i))]


MONDAY = date(2026, 10, 5)


# --- learning (pure) --------------------------------------------------------------------

def test_learns_daily():
    assert learn(days(MONDAY, 14), AMS) == Schedule("daily", (), 22 * 60)


def test_learns_daily_despite_one_missing_day():
    starts = days(MONDAY, 21, keep=lambda d: d != MONDAY + timedelta(days=9))
    assert learn(starts, AMS).kind == "daily"


def test_learns_weekdays():
    starts = days(MONDAY, 21, keep=lambda d: d.weekday() < 5, hour=23)
    assert learn(starts, AMS) == Schedule("weekdays", (), 23 * 60)


def test_learns_weekly_on_given_days():
    starts = days(MONDAY, 28, keep=lambda d: d.weekday() in (1, 4), hour=2)
    assert learn(starts, AMS) == Schedule("weekly", (1, 4), 120)


def test_learns_monthly():
    starts = [local(date(2026, m, 15), 3) for m in (6, 7, 8, 9)]
    assert learn(starts, AMS) == Schedule("monthly", (15,), 180)


def test_no_schedule_from_too_few_or_irregular_runs():
    assert learn(days(MONDAY, 3), AMS) is None
    assert learn(days(MONDAY, 5), AMS) is None  # less than a week seen
    irregular = [local(MONDAY + timedelta(days=d)) for d in (0, 1, 5, 9, 10, 16, 17, 22, 26)]
    assert learn(irregular, AMS) is None


def test_learned_time_is_local_across_dst():
    # Runs at 22:00 Amsterdam time on both sides of the October DST change.
    starts = days(date(2026, 10, 18), 14)
    schedule = learn(starts, AMS)
    assert schedule.minute == 22 * 60
    expected = slots(schedule, AMS, local(date(2026, 11, 2), 0), local(date(2026, 11, 3), 0))
    assert expected == [datetime(2026, 11, 2, 21, 0, tzinfo=UTC)]  # 22:00 CET = 21:00 UTC


def test_describe():
    assert Schedule("weekly", (0, 3), 22 * 60 + 30).describe() == "Weekly on Mon, Thu at 22:30"
    assert Schedule("monthly", (31,), 60).runs_on(date(2026, 11, 30))  # the last day


# --- missed slots (pure) ------------------------------------------------------------------

def test_missed_slots_after_grace_only():
    schedule = Schedule("daily", (), 22 * 60)
    runs = [local(MONDAY), local(MONDAY + timedelta(days=1), 22, 40)]  # Tuesday ran late
    now = local(MONDAY + timedelta(days=3), 5)  # Thursday 05:00
    missed = missed_slots(schedule, AMS, runs, since=local(MONDAY, 0), now=now,
                          grace=timedelta(hours=6))
    # Wednesday 22:00 is missed; Thursday's slot is not due yet (and is in the future).
    assert missed == [local(MONDAY + timedelta(days=2))]
    not_yet = missed_slots(schedule, AMS, runs, since=local(MONDAY, 0),
                           now=local(MONDAY + timedelta(days=3), 3), grace=timedelta(hours=6))
    assert not_yet == []


def test_weekdays_schedule_expects_nothing_at_the_weekend():
    schedule = Schedule("weekdays", (), 22 * 60)
    friday = MONDAY + timedelta(days=4)
    expected = slots(schedule, AMS, local(friday, 0), local(friday + timedelta(days=3), 0))
    assert expected == [local(friday)]


def test_calendar_strip_shows_the_worst_status_per_day():
    today = MONDAY + timedelta(days=2)
    runs = [(local(MONDAY), "success"), (local(MONDAY, 23), "failed"),
            (local(MONDAY + timedelta(days=2)), "missed")]
    strip = calendar_strip(runs, today, AMS, days=4)
    assert [(d.isoformat(), s, n) for d, s, n in strip] == [
        ("2026-10-04", None, 0), ("2026-10-05", "failed", 2), ("2026-10-06", None, 0),
        ("2026-10-07", "missed", 1)]


# --- recorded missed runs (database) ------------------------------------------------------

def _job_with_history(n_days: int = 14, **kw):
    job = make_job(make_customer(), **kw)
    for start in days(MONDAY, n_days):
        make_run(job, "success", started_at=start)
    db.session.commit()
    return job


def test_check_missed_learns_and_records_once(app):
    job = _job_with_history()
    now = local(MONDAY + timedelta(days=16), 9)  # two nightly runs did not come
    first = check_missed(db.session, AMS, now=now)
    db.session.commit()
    assert first.learned == 1 and first.missed == 2
    assert (job.schedule_kind, job.schedule_minute) == ("daily", 22 * 60)
    missed = db.session.scalars(select(Run).where(Run.status == "missed")
                                .order_by(Run.started_at)).all()
    assert [r.expected_at for r in missed] == [local(MONDAY + timedelta(days=14)),
                                               local(MONDAY + timedelta(days=15))]
    again = check_missed(db.session, AMS, now=now + timedelta(hours=1))
    db.session.commit()
    assert again.missed == 0 and again.learned == 0
    assert len(db.session.scalars(select(Run).where(Run.status == "missed")).all()) == 2


def test_missed_check_can_be_turned_off_per_job(app):
    job = _job_with_history()
    job.missed_check = False
    db.session.commit()
    result = check_missed(db.session, AMS, now=local(MONDAY + timedelta(days=16), 9))
    assert result.missed == 0
    assert job.schedule_kind == "daily"  # still learned, shown on the job page


def test_archived_jobs_have_no_missed_runs(app):
    job = _job_with_history()
    job.archived = True
    db.session.commit()
    assert check_missed(db.session, AMS, now=local(MONDAY + timedelta(days=16), 9)).missed == 0


def test_manual_schedule_is_not_relearned(app):
    job = _job_with_history()
    job.schedule_source, job.schedule_kind, job.schedule_minute = "manual", "weekly", 60
    job.schedule_days = "6"
    db.session.commit()
    check_missed(db.session, AMS, now=local(MONDAY + timedelta(days=15), 9))
    assert (job.schedule_kind, job.schedule_days) == ("weekly", "6")


def test_late_run_replaces_the_missed_run(app):
    from backupchecks.mail import inbox

    run_import(make_mail(start=local(MONDAY)))
    group = inbox.waiting_jobs(db.session)[0]
    job, _ = inbox.approve(db.session, group.job_key, new_customer="Acme")
    job.schedule_source, job.schedule_kind, job.schedule_minute = "manual", "daily", 22 * 60
    db.session.commit()
    check_missed(db.session, AMS, now=local(MONDAY + timedelta(days=2), 6))
    db.session.commit()
    missed = db.session.scalars(select(Run).where(Run.status == "missed")).all()
    assert [r.expected_at for r in missed] == [local(MONDAY + timedelta(days=1))]
    # Tuesday's report turns up after all, three hours late.
    run_import(make_mail(status="warning", start=local(MONDAY + timedelta(days=1), 1)
                         + timedelta(days=1)))
    statuses = db.session.scalars(select(Run.status).order_by(Run.started_at)).all()
    assert statuses == ["success", "warning"]
