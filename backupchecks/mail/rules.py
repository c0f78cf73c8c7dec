"""Admin-written parser rules (ParserRule rows) as the parsers' GenericRule values."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backupchecks.models.mail import ParserRule
from backupchecks.parsers import GenericRule


def words(text: str | None) -> tuple[str, ...]:
    """One word or phrase per line (commas also separate), blanks dropped."""
    parts = (text or "").replace(",", "\n").splitlines()
    return tuple(p.strip() for p in parts if p.strip())


def to_generic_rule(row: ParserRule) -> GenericRule:
    return GenericRule(
        name=row.name,
        product=row.product,
        sender_pattern=row.sender_pattern or None,
        subject_pattern=row.subject_pattern or None,
        body_pattern=row.body_pattern or None,
        success_words=words(row.success_words),
        warning_words=words(row.warning_words),
        failure_words=words(row.failure_words),
        job_name_template=row.job_name_template or None,
        host_template=row.host_template or None,
        job_type=row.job_type or "Backup",
        enabled=row.enabled,
    )


def load_generic_rules(session: Session) -> list[GenericRule]:
    """Enabled rules in their order, ready for parse_mail(generic_rules=…)."""
    rows = session.scalars(
        select(ParserRule).where(ParserRule.enabled.is_(True))
        .order_by(ParserRule.position, ParserRule.id)
    ).all()
    return [to_generic_rule(r) for r in rows]


RULE_FIELDS = ("name", "product", "job_type", "sender_pattern", "subject_pattern",
               "body_pattern", "success_words", "warning_words", "failure_words",
               "job_name_template", "host_template")
_LIMITS = {"name": 120, "product": 100, "job_type": 100, "sender_pattern": 500,
           "subject_pattern": 500, "body_pattern": 1000, "job_name_template": 300,
           "host_template": 300}


class RuleError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def validate_rule(form: dict[str, str]) -> dict[str, object]:
    """Typed, checked values of a rule form, or RuleError naming the bad fields."""
    import re

    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name in RULE_FIELDS:
        value = (form.get(name) or "").strip()
        if name in _LIMITS and len(value) > _LIMITS[name]:
            errors[name] = f"At most {_LIMITS[name]} characters."
        values[name] = value
    for name in ("name", "product"):
        if not values[name]:
            errors[name] = "This field is required."
    for name in ("sender_pattern", "subject_pattern", "body_pattern"):
        if values[name]:
            try:
                re.compile(str(values[name]))
            except re.error as exc:
                errors[name] = f"Not a valid regular expression: {exc}."
    if not any(values[w] for w in ("success_words", "warning_words", "failure_words")):
        errors["success_words"] = "Give at least one word that tells the result."
    if not any(values[p] for p in ("sender_pattern", "subject_pattern", "body_pattern")):
        errors["sender_pattern"] = "Give at least one pattern, or the rule matches every mail."
    try:
        values["position"] = int(form.get("position") or 0)
    except ValueError:
        errors["position"] = "Enter a whole number."
    values["enabled"] = form.get("enabled") in ("on", "1", "true")
    values["job_type"] = values["job_type"] or "Backup"
    if errors:
        raise RuleError(errors)
    return values


def save_rule(session: Session, rule: ParserRule | None, form: dict[str, str]) -> ParserRule:
    """Create or update a rule (not committed). Raises RuleError."""
    from backupchecks import audit

    values = validate_rule(form)
    clash = session.scalar(select(ParserRule).where(ParserRule.name == values["name"]))
    if clash is not None and clash is not rule:
        raise RuleError({"name": "Another rule has this name."})
    created = rule is None
    if rule is None:
        rule = ParserRule()
        session.add(rule)
    for key, value in values.items():
        setattr(rule, key, value or None if key.endswith(("_pattern", "_template")) else value)
    session.flush()
    audit.record("parser_rule.created" if created else "parser_rule.changed",
                 f"parser rule {rule.id}", f"{rule.name} ({rule.product}), "
                 f"{'enabled' if rule.enabled else 'disabled'}")
    return rule
