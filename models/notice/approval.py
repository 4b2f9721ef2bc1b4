"""Counsel's approval of a notice's exact content, and the one rule for whether it stands: the latest decision on
the content's hash, as the audit chain records it (an approvals row without its event never counts)."""

from __future__ import annotations

from typing import Any

from breachclock.models.audit import AuditEvent, append_event
from breachclock.models.notice.drafting import NoticeError, variants_of, verify_notice
from breachclock.models.notice.grouping import withdrawn_notices
from breachclock.models.notice.models import Approval, Notice
from breachclock.models.notice.validation import validate_notice
from breachclock.playbooks.content_rules import blocking
from sqlalchemy import select
from sqlalchemy.orm import Session


def notices_lacking_approval(session: Session, incident_id: str) -> list[Notice]:
    """Notices whose current content has no standing approval recorded in the chain (the latest decision on that
    hash, in an event whose approval row matches)."""
    decisions: dict[tuple[str, str], Any] = {}
    for e in session.scalars(select(AuditEvent).where(
            AuditEvent.incident_id == incident_id,
            AuditEvent.action.in_(("notice_approved", "notice_rejected"))).order_by(AuditEvent.seq)):
        decisions[(e.details.get("notice"), e.details.get("content_hash"))] = e
    out = []
    gone = withdrawn_notices(session, incident_id)
    for notice in session.scalars(select(Notice).where(Notice.incident_id == incident_id,
                                                       Notice.id.not_in(gone)).order_by(Notice.id)):
        e = decisions.get((notice.id, notice.content_hash))
        row = session.get(Approval, e.details.get("approval")) if e is not None else None
        if e is None or e.action != "notice_approved" or row is None or row.decision != "approved" or (
                row.content_hash != notice.content_hash):
            out.append(notice)
    return out


def decide(session: Session, notice_id: str, *, counsel: str, approve: bool, comment: str | None = None) -> Approval:
    """Counsel's decision on a notice's current content (append-only; the latest decision on a hash stands)."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeError(f"no notice {notice_id!r}")
    if not counsel.strip():
        raise NoticeError("an approval needs the approving counsel's name")
    if not approve and not (comment or "").strip():
        raise NoticeError("a rejection needs a comment saying what must change")
    if approve and (problems := verify_notice(session, notice)):
        raise NoticeError(f"notice {notice_id} cannot be approved: {'; '.join(problems)}")
    findings = validate_notice(session, notice)
    if approve and (failed := blocking(findings)):
        raise NoticeError(f"notice {notice_id} cannot be approved: {len(failed)} content rule(s) fail: "
                          + "; ".join(f.line() for f in failed) + " (fix the facts with `breachclock update`, "
                          f"then `breachclock notice redraft {notice_id}`)")
    approval = Approval(notice_id=notice.id, content_hash=notice.content_hash,
                        decision="approved" if approve else "rejected", counsel=counsel, comment=comment)
    session.add(approval)
    session.flush()
    append_event(session, incident_id=notice.incident_id, actor=counsel,
                 action="notice_approved" if approve else "notice_rejected", reason=comment or "approved",
                 details={"notice": notice.id, "content_hash": notice.content_hash, "approval": approval.id,
                          "variants": {c: v.content_hash for c, v in variants_of(session, notice.id).items()},
                          "content_checks": {"passed": sum(f.passed is True for f in findings),
                                             "failed": sorted({f"{f.regime}:{f.rule}" for f in blocking(findings)}),
                                             "confirmed_by_counsel": sorted({f"{f.regime}:{f.rule}" for f in findings
                                                                             if f.passed is None})}})
    return approval


def is_approved(session: Session, notice: Notice) -> bool:
    """Whether counsel's latest decision on the notice's current content is an approval, as the chain records it
    (see :func:`models.lifecycle.notices_lacking_approval`)."""
    return notice.id not in {n.id for n in notices_lacking_approval(session, notice.incident_id)}
