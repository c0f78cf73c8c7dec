"""Rule-based parser for products without a dedicated parser.

An admin describes a product's mails with a :class:`GenericRule` (stored in the
database by other code and handed in here): which sender/subject/body it matches, which
words mean success, warning or failure, and how to name the job. Rules are tried in the
order given; a rule with a broken regex or template is skipped, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from backupchecks.parsers.base import ParseResult, Status, clean
from backupchecks.parsers.message import MailView

NAME = "generic"
VERSION = 1

# Body regexes written by people can backtrack badly; a report body is never this long.
_MAX_BODY = 200_000


@dataclass(frozen=True)
class GenericRule:
    name: str
    product: str
    sender_pattern: str | None = None
    subject_pattern: str | None = None   # may name groups (?P<job>…) and (?P<host>…)
    body_pattern: str | None = None      # idem
    success_words: tuple[str, ...] = ()
    warning_words: tuple[str, ...] = ()
    failure_words: tuple[str, ...] = ()
    job_name_template: str | None = None  # e.g. "{job}" or "{host} nightly"; default: group job
    host_template: str | None = None      # default: group host
    job_type: str = "Backup"
    enabled: bool = True


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except (re.error, TypeError, ValueError, RecursionError, OverflowError):
        return None


@lru_cache(maxsize=512)
def _words_re(words: tuple[str, ...]) -> re.Pattern[str] | None:
    words = tuple(w for w in words if w and w.strip())
    if not words:
        return None
    alternatives = "|".join(re.escape(w.strip()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class _Groups(dict):
    """Template values; a placeholder without a value renders empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


def _match(pattern: str | None, text: str, groups: dict[str, str]) -> bool | None:
    """True/False for a match; None when the pattern is unusable (rule skipped)."""
    if not pattern:
        return True
    compiled = _compile(pattern)
    if compiled is None:
        return None
    found = compiled.search(text)
    if not found:
        return False
    groups.update({k: v for k, v in found.groupdict().items() if v})
    return True


def _status(rule: GenericRule, haystack: str) -> Status | None:
    for words, status in ((rule.failure_words, "failed"), (rule.warning_words, "warning"),
                          (rule.success_words, "success")):
        compiled = _words_re(tuple(words))
        if compiled is not None and compiled.search(haystack):
            return status  # type: ignore[return-value]
    return None


def _render(template: str | None, groups: dict[str, str], fallback: str) -> str | None:
    if not template:
        return fallback
    try:
        return clean(template.format_map(_Groups(groups))) or fallback
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return None


def _apply(rule: GenericRule, mail: MailView) -> ParseResult | None:
    if not rule.enabled:
        return None
    groups: dict[str, str] = {}
    body = mail.text[:_MAX_BODY]
    for pattern, text in ((rule.sender_pattern, mail.sender), (rule.subject_pattern, mail.subject),
                          (rule.body_pattern, body)):
        if not _match(pattern, text, groups):
            return None
    status = _status(rule, mail.subject + "\n" + body)
    if status is None:
        return None  # the rule cannot tell the result: leave the mail for a person
    job = _render(rule.job_name_template, groups, clean(groups.get("job")) or rule.name)
    host = _render(rule.host_template, groups, clean(groups.get("host")))
    if job is None or host is None:
        return None
    return ParseResult(
        parser=NAME,
        parser_version=VERSION,
        product=rule.product,
        job_type=rule.job_type,
        job_name=job,
        host=host or None,
        status=status,
        started_at=None,
        ended_at=None,
        subject=mail.subject,
    )


def parse_with_rules(mail: MailView, rules: Sequence[GenericRule]) -> ParseResult | None:
    """The first enabled rule that matches and can tell the status; None if none does."""
    for rule in rules:
        try:
            result = _apply(rule, mail)
        except Exception:  # noqa: S112 - one admin rule must never break the others
            continue
        if result is not None:
            return result
    return None


def parse(mail: MailView, rules: Sequence[GenericRule] = ()) -> ParseResult | None:
    return parse_with_rules(mail, rules)
