"""Overrides: rules that show a warning or failure as success, with a count of what they matched.

The run keeps its real status; a RunOverride row says which rule changed how
it is shown, so the Run Checks page can colour it apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from backupchecks import audit
from backupchecks.extensions import db
from backupchecks.models.checks import MATCH_KINDS, Override, RunOverride
from backupchecks.models.jobs import Run

# A group that repeats something and is itself repeated: (a+)+, (\w*)*, (x|y+){2,}.
NESTED_QUANTIFIER = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")


class OverrideError(ValueError):
    """A refused override; the message is shown on the form."""


@dataclass(frozen=True)
class Target:
    """What an override is tested against: the run or one of its objects."""

    object_name: str | None
    status: str
    message: str


def text_matches(kind: str, pattern: str | None, text: str) -> bool:
    if not pattern:
        return True
    haystack, needle = text.casefold(), pattern.casefold()
    if kind == "contains":
        return needle in haystack
    if kind == "exact":
        return haystack.strip() == needle.strip()
    if kind == "starts":
        return haystack.startswith(needle)
    if kind == "ends":
        return haystack.rstrip().endswith(needle.rstrip())
    if kind == "regex":
        try:
            return re.search(pattern, text, re.IGNORECASE) is not None
        except re.error:
            return False
    return False


def applies(rule: Override, target: Target, on: date) -> bool:
    """Pure: does this rule cover this run/object on this day?"""
    if not rule.active or target.status not in ("warning", "failed"):
        return False
    if rule.valid_from and on < rule.valid_from:
        return False
    if rule.valid_until and on > rule.valid_until:
        return False
    if rule.match_status and rule.match_status != target.status:
        return False
    if rule.object_name is not None and (
        target.object_name is None or rule.object_name.casefold() != target.object_name.casefold()
    ):
        return False
    return text_matches(rule.match_kind, rule.match_text, target.message)


def run_targets(run: Run) -> list[Target]:
    """The run itself (its objects' messages joined) and every object that is not a success."""
    problems = [o for o in run.objects if o.status != "success"]
    joined = "\n".join(filter(None, (o.message for o in problems)))
    targets = [Target(None, run.status, joined)]
    targets += [Target(o.name, o.status, o.message or "") for o in problems]
    return targets


def covering_rule(run: Run, rules: Sequence[Override], on: date) -> Override | None:
    """The rule that turns this run into a success, if any.

    A job-level rule covers the whole run. Object rules must together cover every
    object that is not a success (one failing object left over keeps the run red).
    """
    if run.status not in ("warning", "failed"):
        return None
    targets = run_targets(run)
    job_rules = [r for r in rules if r.object_name is None]
    for rule in job_rules:
        if applies(rule, targets[0], on):
            return rule
    object_targets = targets[1:]
    if not object_targets:
        return None
    first_match: Override | None = None
    for target in object_targets:
        match = next((r for r in rules if r.object_name is not None and applies(r, target, on)), None)
        if match is None:
            return None
        first_match = first_match or match
    return first_match


def apply_to_runs(runs: Iterable[Run], on_day: dict[int, date] | None = None) -> int:
    """Apply the active overrides of the runs' jobs (used on import). Returns how many matched."""
    runs = [r for r in runs if r.status in ("warning", "failed")]
    if not runs:
        return 0
    job_ids = {r.job_id for r in runs}
    rules_by_job: dict[int, list[Override]] = {}
    for rule in db.session.scalars(
        select(Override).where(Override.job_id.in_(job_ids), Override.active.is_(True))
        .order_by(Override.id)
    ):
        rules_by_job.setdefault(rule.job_id, []).append(rule)
    if not rules_by_job:
        return 0
    existing = set(db.session.scalars(
        select(RunOverride.run_id).where(RunOverride.run_id.in_([r.id for r in runs]))))
    matched = 0
    for run in runs:
        rules = rules_by_job.get(run.job_id)
        if not rules or run.id in existing:
            continue
        day = (on_day or {}).get(run.id) or run.started_at.date()
        rule = covering_rule(run, rules, day)
        if rule is not None:
            db.session.add(RunOverride(run_id=run.id, override_id=rule.id))
            rule.matched_count += 1
            matched += 1
    return matched


def validate(match_kind: str, match_text: str | None, match_status: str | None,
             valid_from: date | None, valid_until: date | None) -> None:
    if match_kind not in MATCH_KINDS:
        raise OverrideError("Choose how the message is matched.")
    if match_status not in (None, "", "warning", "failed"):
        raise OverrideError("Status must be warning, failed or any.")
    if match_kind == "regex" and match_text:
        try:
            re.compile(match_text)
        except re.error as exc:
            raise OverrideError(f"The regular expression is not valid: {exc}.") from None
        # Rules run on every imported run: refuse the shapes that backtrack for ever.
        if len(match_text) > 200 or NESTED_QUANTIFIER.search(match_text):
            raise OverrideError("Keep the regular expression short and without nested repeats "
                                "like (a+)+; 'contains' or 'starts' usually does the job.")
    if valid_from and valid_until and valid_until < valid_from:
        raise OverrideError("'Until' lies before 'from'.")


def create_override(*, job_id: int, user_id: int | None, object_name: str | None = None,
                    match_status: str | None = None, match_kind: str = "contains",
                    match_text: str | None = None, valid_from: date | None = None,
                    valid_until: date | None = None, note: str = "",
                    apply_to_unreviewed: bool = True) -> Override:
    """Create a rule; by default it also covers the job's runs still waiting for review."""
    validate(match_kind, match_text, match_status or None, valid_from, valid_until)
    rule = Override(job_id=job_id, object_name=(object_name or None), match_status=match_status or None,
                    match_kind=match_kind, match_text=(match_text or None), valid_from=valid_from,
                    valid_until=valid_until, note=note[:2000], created_by_id=user_id)
    db.session.add(rule)
    db.session.flush()
    audit.record("override.created", f"job {job_id}",
                 f"{object_name or 'run'}: {match_status or 'any'} {match_kind} {match_text or ''}".strip())
    if apply_to_unreviewed:
        waiting = db.session.scalars(
            select(Run).where(Run.job_id == job_id, Run.reviewed_at.is_(None),
                              Run.status.in_(("warning", "failed")))).all()
        apply_to_runs(waiting)
    return rule


def set_active(rule: Override, active: bool) -> None:
    rule.active = active
    audit.record("override.activated" if active else "override.deactivated", f"override {rule.id}")
