"""Checking every rendered variant of a notice against the content rules of every law it is given under.

The rules are the ``content_rules`` of each obligation's rule, in the exact rule version the obligation
snapshotted; the text checked is what the recipient gets on each channel (the letter, the e-mail's text
part). A notice with a failed rule cannot be approved; what text cannot show is listed for counsel to confirm.
"""

from __future__ import annotations

from breachclock.models.notice.drafting import variants_of
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.notice.rules import rules_of
from breachclock.models.obligation.models import Obligation
from breachclock.playbooks.content_rules import Finding, NoticeFacts, check
from sqlalchemy import select
from sqlalchemy.orm import Session


def notice_facts(notice: Notice, channel: str) -> NoticeFacts:
    """What a notice's checks compare with, from its stored context (no personal data)."""
    c = notice.context
    counts = {n for n in [c.get("residents_count"), *(g.get("count") for g in c.get("counts_by_jurisdiction", []))]
              if isinstance(n, int) and n > 0}
    offer = c.get("credit_monitoring") or {}
    return NoticeFacts(channel=channel, elements=frozenset(c.get("element_codes", [])),
                       residents_counts=tuple(sorted(counts)), summary=c.get("incident_summary"),
                       breach_period=c.get("breach_period"), monitoring_months=offer.get("months"),
                       monitoring_text=c.get("credit_monitoring_offer"), entity_contact=c.get("entity_contact"))


def validate_notice(session: Session, notice: Notice) -> list[Finding]:
    """Every applicable content rule on every variant of the notice, in rule order."""
    obligations = list(session.scalars(select(Obligation).join(
        NoticeObligation, NoticeObligation.obligation_id == Obligation.id).where(
        NoticeObligation.notice_id == notice.id).order_by(Obligation.id)))
    findings: list[Finding] = []
    for channel, variant in sorted(variants_of(session, notice.id).items()):
        facts = notice_facts(notice, channel)
        text = "\n".join(filter(None, [variant.subject, variant.text]))
        for obligation in obligations:
            for rule in rules_of(obligation):
                if (finding := check(obligation.regime, rule, text, facts)) is not None:
                    findings.append(finding)
    return findings
