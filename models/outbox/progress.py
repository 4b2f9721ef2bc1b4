"""Obligations met, with proof: everyone a notice must reach against what was delivered, mailed or filed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from breachclock.models.audit import AuditEvent, append_event
from breachclock.models.incident.models import Incident, load_facts
from breachclock.models.incident.service import record_event
from breachclock.models.notice import recipients
from breachclock.models.notice.drafting import variants_of
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.obligation.models import Obligation
from breachclock.models.outbox.models import Delivery
from breachclock.models.outbox.queue import covered_count
from breachclock.models.outbox.substitute import substituted as covered_by_substitute
from breachclock.playbooks.engine import NO_LAW_APPLIED
from breachclock.playbooks.facts import Event
from sqlalchemy import func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Progress:
    """Where one obligation's notice stands."""

    total: int
    done: int
    prepared: int
    pending: int
    failed: int
    uncertain: int
    without_contact: int
    """Covered people no approved channel can reach (no usable postal or e-mail address): substitute notice."""
    not_queued: int = 0
    """Covered people who can be reached but have no delivery yet (imported since the last send)."""
    simulated: bool = False
    substituted: int = 0
    """Covered people no channel can reach who were given the law's substitute notice (posted and published)."""

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done + self.substituted == self.total


def notices_of(session: Session, obligation: Obligation) -> list[Notice]:
    """The notices an obligation is given by: one, or for people several (a letter combining laws for those the
    laws cover together, the law's own letter for the others; each person gets exactly one of them)."""
    return list(session.scalars(select(Notice).join(NoticeObligation, NoticeObligation.notice_id == Notice.id)
                                .where(NoticeObligation.obligation_id == obligation.id).order_by(Notice.id)))


def progress(session: Session, obligation: Obligation, notices: list[Notice]) -> Progress:
    """The deliveries of an obligation's notices against everyone it must reach; people without contact count as
    reached once its substitute notice was posted and published (recorded)."""
    substitutes = [n for n in notices if n.audience == "substitute"]
    notices = [n for n in notices if n.audience != "substitute"]
    ids = [n.id for n in notices]
    statuses = dict(session.execute(select(Delivery.status, func.count()).where(
        Delivery.notice_id.in_(ids)).group_by(Delivery.status)).all())
    done = statuses.get("sent", 0) + statuses.get("simulated", 0)
    total = sum(statuses.values())
    missing = not_queued = 0
    if notices and notices[0].audience == "individual":
        channels = {c for n in notices for c in variants_of(session, n.id)}
        need, reachable = covered_count(session, obligation, channels)
        missing = need - reachable
        not_queued = max(reachable - total, 0)
        total = max(total, need)
    substituted = 0
    if missing and substitutes:
        substituted = min(missing, covered_by_substitute(session, obligation, channels, substitutes))
        missing -= substituted
    return Progress(total=total, done=done, prepared=statuses.get("prepared", 0), substituted=substituted,
                    pending=statuses.get("pending", 0) + statuses.get("sending", 0),
                    failed=statuses.get("failed", 0), uncertain=statuses.get("uncertain", 0),
                    without_contact=missing, not_queued=not_queued, simulated=bool(statuses.get("simulated")))


def settle(session: Session, incident: Incident, *, actor: str) -> int:
    """Mark obligations met once everyone their notice must reach has it (sent, mailed or filed).

    In an exercise a met obligation is marked ``simulated``, never met. An individual notice met records the
    ``individual_notice_sent`` event that clocks anchored to it run from.
    """
    met = 0
    exercise = bool(incident.facts.get("exercise"))
    for obligation in session.scalars(
        select(Obligation).where(Obligation.incident_id == incident.id, Obligation.fulfilled_at.is_(None),
                                 Obligation.id.in_(select(NoticeObligation.obligation_id))).order_by(Obligation.id)):
        notices = notices_of(session, obligation)
        p = progress(session, obligation, notices)
        if not p.complete:
            continue
        notice = next(n for n in notices if n.audience != "substitute")
        at = session.scalar(select(func.max(Delivery.sent_at)).where(Delivery.notice_id.in_([n.id for n in notices]),
                                                                     Delivery.status.in_(("sent", "simulated"))))
        assert at is not None
        obligation.fulfilled_at = at
        obligation.fulfillment = ("simulated" if exercise else
                                  "filed" if notice.audience in recipients.HANDOVER_AUDIENCES else "sent")
        met += 1
        append_event(session, incident_id=incident.id, actor=actor, action="obligation_fulfilled",
                     reason=f"{obligation.regime} {obligation.rule_key} {obligation.fulfillment}",
                     details={"obligation": obligation.id, "notice": notice.id,
                              "notices": [n.id for n in notices], "at": at.isoformat(),
                              "how": obligation.fulfillment, "substituted": p.substituted,
                              "late_seconds": (at - obligation.due).total_seconds()
                              if obligation.due and at > obligation.due else 0})
        # Clocks anchored to these notices (a state AG's after HHS's, a regulator's after the people's) run from
        # the event this records.
        kind = {"individual": "individual_notice_sent", "regulator": "regulator_notice_sent"}.get(
            obligation.recipient_kind)
        if kind and obligation.regime != NO_LAW_APPLIED:
            facts = load_facts(incident)
            if facts.first_event(kind, obligation.regime) is None:
                record_event(session, incident, Event(type=kind, at=at, regime=obligation.regime), actor=actor,
                             reason=f"{obligation.recipient_kind} notice under {obligation.regime} "
                                    f"{obligation.fulfillment}")
    return met


def reopen_incomplete(session: Session, incident: Incident, *, actor: str) -> int:
    """Reopen met individual-notice obligations that people imported since have not received (audited)."""
    reopened = 0
    for obligation in session.scalars(
        select(Obligation).where(Obligation.incident_id == incident.id, Obligation.recipient_kind == "individual",
                                 Obligation.fulfilled_at.is_not(None),
                                 Obligation.id.in_(select(NoticeObligation.obligation_id))).order_by(Obligation.id)):
        notices = notices_of(session, obligation)
        p = progress(session, obligation, notices)
        if p.complete:
            continue
        obligation.fulfilled_at, obligation.fulfillment = None, None
        reopened += 1
        append_event(session, incident_id=incident.id, actor=actor, action="obligation_reopened",
                     reason=f"{p.total - p.done} covered people have not received the notice (imported later)",
                     details={"obligation": obligation.id, "notices": [n.id for n in notices]})
    return reopened


def _last_refusal(session: Session, obligation: Obligation) -> str | None:
    """Why drafting refused this duty a notice, the last time it tried (None: not drafted yet)."""
    refusals = [e for e in session.scalars(select(AuditEvent).where(
        AuditEvent.incident_id == obligation.incident_id, AuditEvent.action == "notice_not_drafted")
        .order_by(AuditEvent.seq.desc())) if obligation.id in e.details.get("obligations", [])]
    return refusals[0].reason if refusals else None


def obligation_state(session: Session, obligation: Obligation, now: datetime) -> dict[str, Any]:
    """Where one duty stands, for people and machines: met or not, in time or how late, delivery progress."""
    target = obligation.due or obligation.policy_due
    suspended = obligation.due is None and "suspended" in obligation.due_text
    out: dict[str, Any] = {
        "id": obligation.id, "regime": obligation.regime, "rule": obligation.rule_key,
        "recipient": obligation.recipient, "recipient_kind": obligation.recipient_kind,
        "jurisdiction": obligation.jurisdiction, "data_set": obligation.data_set,
        "required": obligation.required, "due": obligation.due, "policy_due": obligation.policy_due,
        "deadline_is": ("suspended" if suspended else
                        ("contract" if obligation.regime.startswith("CONTRACT:") else "law") if obligation.due else
                        "policy" if obligation.policy_due else None),
        "fulfilled_at": obligation.fulfilled_at, "fulfillment": obligation.fulfillment, "met": False,
        "on_time": None, "late_seconds": None, "progress": None, "counts": obligation.counts,
        "reason": obligation.reason, "citation": obligation.citation, "confidence": obligation.confidence,
    }
    if obligation.fulfilled_at is not None:
        out["met"] = obligation.fulfillment != "simulated"
        if target is not None and out["met"]:
            late = (obligation.fulfilled_at - target).total_seconds()
            out["on_time"], out["late_seconds"] = late <= 0, max(late, 0)
    elif target is not None and obligation.required:
        out["late_seconds"] = max((now - target).total_seconds(), 0) or None
    notices = notices_of(session, obligation)
    if notices:
        p = progress(session, obligation, notices)
        out["notice"] = notices[0].id
        out["notices"] = [n.id for n in notices]
        out["progress"] = {"total": p.total, "done": p.done, "prepared": p.prepared, "pending": p.pending,
                           "failed": p.failed, "uncertain": p.uncertain, "without_contact": p.without_contact,
                           "not_queued": p.not_queued, "substituted": p.substituted}
    elif obligation.required and obligation.recipient_kind != "record":
        out["notice"] = None
        out["no_notice_reason"] = _last_refusal(session, obligation)
    return out
