"""Admin-defined rules for products without a parser."""

from __future__ import annotations

from backupchecks.parsers import GenericRule, parse_mail
from backupchecks.parsers.generic import parse_with_rules
from backupchecks.parsers.message import decode_mail

from .conftest import fixture_bytes

MSP360 = GenericRule(
    name="MSP360 plan result",
    product="MSP360 Backup",
    sender_pattern=r"@backupservice\.example$",
    subject_pattern=r'Backup plan "(?P<job>[^"]+)" on (?P<host>[\w\-]+) finished',
    body_pattern=r"^Result:",
    success_words=("Success", "Completed"),
    warning_words=("Warning",),
    failure_words=("Failed", "Error"),
    job_type="Plan",
)


def _mail():
    return decode_mail(fixture_bytes("generic-msp360-failed.eml"))


def test_rule_claims_with_named_groups():
    outcome = parse_mail(fixture_bytes("generic-msp360-failed.eml"), [MSP360])
    r = outcome.result
    assert outcome.parser == "generic"
    assert (r.parser, r.product, r.job_type) == ("generic", "MSP360 Backup", "Plan")
    assert (r.job_name, r.host, r.status) == ("Daily files to S3", "ACCT-PC07", "failed")


def test_failure_words_beat_success_words():
    rule = GenericRule(name="r", product="P", sender_pattern="backupservice",
                       success_words=("processed",), failure_words=("not found",))
    assert parse_with_rules(_mail(), [rule]).status == "failed"


def test_words_match_whole_words_only():
    rule = GenericRule(name="r", product="P", sender_pattern="backupservice",
                       success_words=("Fail",))  # "Failed" must not count as "Fail"
    assert parse_with_rules(_mail(), [rule]) is None


def test_template_and_rule_name_fallback():
    templated = GenericRule(name="t", product="P", subject_pattern=r"on (?P<host>[\w\-]+)",
                            failure_words=("Failed",), job_name_template="{host} nightly ({x})")
    assert parse_with_rules(_mail(), [templated]).job_name == "ACCT-PC07 nightly ()"
    plain = GenericRule(name="Fallback name", product="P", failure_words=("Failed",),
                        sender_pattern="backupservice")
    result = parse_with_rules(_mail(), [plain])
    assert (result.job_name, result.host) == ("Fallback name", None)


def test_broken_rules_are_skipped_not_raised():
    broken = [
        GenericRule(name="bad regex", product="P", subject_pattern="([unclosed",
                    failure_words=("Failed",)),
        GenericRule(name="bad template", product="P", failure_words=("Failed",),
                    job_name_template="{0[}"),
        GenericRule(name="disabled", product="P", failure_words=("Failed",), enabled=False),
        GenericRule(name="no status", product="P", sender_pattern="backupservice"),
    ]
    assert parse_with_rules(_mail(), broken) is None
    assert parse_with_rules(_mail(), [*broken, MSP360]).job_name == "Daily files to S3"


def test_non_matching_sender_is_not_claimed():
    rule = GenericRule(name="r", product="P", sender_pattern=r"@other\.example",
                       failure_words=("Failed",))
    assert parse_with_rules(_mail(), [rule]) is None
