"""Backup report mail parsers: raw RFC 822 bytes in, one :class:`ParseResult` out.

``parse_mail(raw)`` decodes the mail once and tries every product parser in
:data:`PARSERS` order; see :mod:`backupchecks.parsers.registry`.
"""

from backupchecks.parsers.base import ParsedObject, ParseResult, Status
from backupchecks.parsers.generic import GenericRule, parse_with_rules
from backupchecks.parsers.message import MailView, decode_body_only, decode_mail
from backupchecks.parsers.registry import PARSERS, ParseOutcome, parse_mail, parse_view

__all__ = [
    "PARSERS",
    "GenericRule",
    "MailView",
    "ParseOutcome",
    "ParseResult",
    "ParsedObject",
    "Status",
    "decode_body_only",
    "decode_mail",
    "parse_mail",
    "parse_view",
    "parse_with_rules",
]
