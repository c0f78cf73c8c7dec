"""The ordered parser list and the entry points that run it.

Specific products come first and generic rules last, so an admin rule that happens to
match a Veeam mail never wins over the Veeam parser. Each parser rejects a foreign mail
with cheap sender/subject/marker checks before it looks at the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from backupchecks.parsers import (
    acronis,
    duplicati,
    generic,
    nakivo,
    proxmox_backup_server,
    proxmox_ve,
    synology,
    veeam,
    veeam_m365,
)
from backupchecks.parsers.base import ParseResult
from backupchecks.parsers.generic import GenericRule
from backupchecks.parsers.message import MailView, decode_mail

PARSERS: tuple[ModuleType, ...] = (
    veeam_m365,  # before veeam: its mails use the Veeam layout too
    veeam,
    proxmox_ve,
    proxmox_backup_server,
    synology,
    nakivo,
    acronis,
    duplicati,
    generic,  # last: admin rules only claim what no product parser knows
)


@dataclass
class ParseOutcome:
    result: ParseResult | None
    parser: str | None
    error: str | None = None  # "<parser>: <ExceptionType>: <msg>" when a parser crashed


def parse_view(mail: MailView, generic_rules: Sequence[GenericRule] = ()) -> ParseOutcome:
    """Try every parser in order; the first that claims the mail wins. Never raises.

    A crashing parser is reported in ``error`` and the next parsers still get their
    turn, so one bug does not hide every mail of the other products. A mail nobody
    claims that carries a whole mail as attachment ("forward as attachment") is
    read through that attached mail.
    """
    outcome = _run_parsers(mail, generic_rules)
    if outcome.result is not None or not mail.forwarded:
        return outcome
    for raw in mail.forwarded:
        try:
            inner = _run_parsers(decode_mail(raw), generic_rules)
        except Exception:  # noqa: BLE001, S112 - the outer outcome stands
            continue
        if inner.result is not None:
            return inner
    return outcome


def _run_parsers(mail: MailView, generic_rules: Sequence[GenericRule]) -> ParseOutcome:
    errors: list[str] = []
    first_failed: str | None = None
    for module in PARSERS:
        name = getattr(module, "NAME", module.__name__.rsplit(".", 1)[-1])
        try:
            if module is generic:
                result = generic.parse_with_rules(mail, generic_rules)
            else:
                result = module.parse(mail)
        except Exception as exc:  # a parser bug must not stop the import of a mailbox
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            first_failed = first_failed or name
            continue
        if result is not None:
            return ParseOutcome(result=result, parser=name,
                                error="; ".join(errors) if errors else None)
    return ParseOutcome(result=None, parser=first_failed,
                        error="; ".join(errors) if errors else None)


def parse_mail(raw: bytes, generic_rules: Sequence[GenericRule] = ()) -> ParseOutcome:
    """Decode ``raw`` once and run the parsers on it. Never raises."""
    try:
        mail = decode_mail(raw)
    except Exception as exc:  # decode_mail is built not to raise; belt and braces
        return ParseOutcome(result=None, parser=None,
                            error=f"message: {type(exc).__name__}: {exc}")
    return parse_view(mail, generic_rules)
