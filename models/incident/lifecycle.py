"""The breach lifecycle: the only place an incident's status changes.

detected → triaged → contained → scoped → assessed → drafting →
awaiting_approval → notifying → notified → closed, plus
``law_enforcement_hold`` (from any open state; release returns to the state it
left, and the hold interval is recorded so tolling clocks can pause) and
``closed_no_notice`` (a documented decision, with counsel, that no notice is
owed). Every transition appends a hash-chained AuditEvent in the caller's
transaction, so a status change and its audit record commit or fail together.
"""

from __future__ import annotations

from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from breachclock.models.audit import append_event
from breachclock.models.base import utcnow
from breachclock.models.incident.models import Hold, Incident, load_facts
from breachclock.models.notice.approval import notices_lacking_approval
from breachclock.models.notice.models import Notice
from breachclock.models.obligation.models import Obligation
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed


class IllegalTransition(Exception):
    """An event that the incident's current state (or a legal guard) does not allow."""


def _held_from(state: str):  # type: ignore[no-untyped-def]
    def held_from(model: Incident) -> bool:
        return model.held_from == state

    return held_from


class BreachLifecycle(StateMachine):
    detected = State(initial=True, value="detected")
    triaged = State(value="triaged")
    contained = State(value="contained")
    scoped = State(value="scoped")
    assessed = State(value="assessed")
    drafting = State(value="drafting")
    awaiting_approval = State(value="awaiting_approval")
    notifying = State(value="notifying")
    notified = State(value="notified")
    closed = State(final=True, value="closed")
    closed_no_notice = State(final=True, value="closed_no_notice")
    law_enforcement_hold = State(value="law_enforcement_hold")

    triage = detected.to(triaged)
    contain = triaged.to(contained, cond="containment_done")
    scope = contained.to(scoped)
    assess = scoped.to(assessed, cond="has_affected_counts")
    draft = assessed.to(drafting, cond="notice_owed")
    submit_for_approval = drafting.to(awaiting_approval, cond="has_notices")
    revise = awaiting_approval.to(drafting)
    notify = awaiting_approval.to(notifying, cond="all_notices_approved")
    complete_notification = notifying.to(notified, cond="every_duty_discharged")
    close = notified.to(closed, cond="every_duty_discharged")
    # People recorded, or duties arising, after every notice went out: notification is not over.
    renotify = notified.to(notifying, cond="duty_open")
    close_no_notice = (
        triaged.to(closed_no_notice, cond="no_notice_documented")
        | contained.to(closed_no_notice, cond="no_notice_documented")
        | scoped.to(closed_no_notice, cond=["has_affected_counts", "no_notice_documented"])
        | assessed.to(closed_no_notice, cond="no_notice_documented")
    )
    _open = (detected, triaged, contained, scoped, assessed, drafting, awaiting_approval, notifying, notified)
    # Any open state can be held; release goes back to the state the hold was entered from.
    # (Default arguments, because a class body's names are not visible inside a lambda or comprehension.)
    hold = reduce(or_, map(lambda state, held=law_enforcement_hold: state.to(held), _open))
    release = reduce(or_, map(lambda state, held=law_enforcement_hold: held.to(state, cond=_held_from(state.value)),
                              _open))
    del _open

    def __init__(self, incident: Incident, session: Session) -> None:
        self.session = session
        self.blockers: list[str] = []
        super().__init__(model=incident, state_field="status")

    # --- guards: each explains itself in self.blockers when it fails ---------------------------

    def _guard(self, ok: bool, why: str) -> bool:
        if not ok:
            self.blockers.append(why)
        return ok

    def containment_done(self) -> bool:
        from breachclock.models.task.models import PlaybookTask

        open_tasks = self.session.scalar(
            select(func.count())
            .select_from(PlaybookTask)
            .where(
                PlaybookTask.incident_id == self.model.id,
                PlaybookTask.phase == "containment",
                PlaybookTask.status == "open",
            )
        )
        return self._guard(open_tasks == 0, f"{open_tasks} containment task(s) still open")

    def has_affected_counts(self) -> bool:
        """People are counted, or the incident exposed no personal data (its duties are about the incident)."""
        affected = self.model.facts.get("affected") or {}
        return self._guard(bool(affected) or not load_facts(self.model).involves_personal_data(),
                           "no affected counts recorded (scope the incident first)")

    def notice_owed(self) -> bool:
        owed = self.session.scalar(
            select(func.count())
            .select_from(Obligation)
            .where(Obligation.incident_id == self.model.id, Obligation.required.is_(True))
        )
        return self._guard(bool(owed), "no notice obligation applies (close with a documented no-notice decision)")

    def has_notices(self) -> bool:
        count = self.session.scalar(
            select(func.count()).select_from(Notice).where(Notice.incident_id == self.model.id)
        )
        return self._guard(bool(count), "no notices drafted")

    def all_notices_approved(self) -> bool:
        unapproved = [n.id for n in notices_lacking_approval(self.session, self.model.id)]
        return self._guard(not unapproved, f"counsel has not approved notice(s) {', '.join(unapproved)}")

    def every_duty_discharged(self) -> bool:
        """Every notice the law requires has reached everyone it must (sent, mailed or filed), and counsel has
        decided every duty the rules could not settle. Records are written after, at documentation."""
        undecided = self.session.scalar(select(func.count()).select_from(Obligation).where(
            Obligation.incident_id == self.model.id, Obligation.required.is_(None)))
        open_ = self.session.execute(select(Obligation.regime, Obligation.rule_key, Obligation.jurisdiction).where(
            Obligation.incident_id == self.model.id, Obligation.required.is_(True),
            Obligation.recipient_kind != "record", Obligation.fulfilled_at.is_(None))
            .order_by(Obligation.regime, Obligation.rule_key)).all()
        names = ", ".join(f"{r} {k}" + (f" [{j}]" if j not in (r, "contract") else "") for r, k, j in open_[:6])
        return self._guard(not undecided, f"counsel has not decided {undecided} duty(ies) the rules could not "
                                          "settle (breachclock obligation decide)") and self._guard(
            not open_, f"{len(open_)} obligation(s) not yet met: {names}{'…' if len(open_) > 6 else ''} "
                       "(breachclock status shows each one's progress)")

    def duty_open(self) -> bool:
        open_ = self.session.scalar(select(func.count()).select_from(Obligation).where(
            Obligation.incident_id == self.model.id, Obligation.required.isnot(False),
            Obligation.recipient_kind != "record", Obligation.fulfilled_at.is_(None)))
        return self._guard(bool(open_), "every duty is met")

    def no_notice_documented(self, reason: str = "", counsel: str | None = None, **_: Any) -> bool:
        return self._guard(bool(reason.strip()) and bool(counsel and counsel.strip()),
                           "a no-notice decision needs a reason and the approving counsel")

    # --- side effects of transitions, in the caller's transaction ----------------------------

    def on_enter_law_enforcement_hold(self, source: State, at: datetime, agency: str = "", reason: str = "",
                                      **_: Any) -> None:
        self.model.held_from = source.value
        self.session.add(Hold(incident_id=self.model.id, started_at=at, agency=agency, reason=reason))

    def on_exit_law_enforcement_hold(self, at: datetime, **_: Any) -> None:
        open_hold = self.session.scalars(
            select(Hold).where(Hold.incident_id == self.model.id, Hold.ended_at.is_(None))
        ).one()
        open_hold.ended_at = at
        self.model.held_from = None




def fire(
    session: Session,
    incident: Incident,
    event: str,
    *,
    actor: str,
    reason: str,
    at: datetime | None = None,
    **details: Any,
) -> str:
    """Move ``incident`` by ``event`` and append the audit record; returns the new state.

    Raises :class:`IllegalTransition` naming the current state and the allowed
    events (or the legal guard that blocked the move); nothing is changed then.
    """
    if not actor.strip():
        raise IllegalTransition("every transition needs an actor")
    if not reason.strip():
        raise IllegalTransition("every transition needs a reason")
    at = at or utcnow()
    machine = BreachLifecycle(incident, session)
    source = incident.status
    allowed = [e.id for e in machine.allowed_events]
    if event not in allowed:
        raise IllegalTransition(
            f"cannot {event!r} an incident in state {source!r}; allowed events: {', '.join(allowed) or 'none'}"
        )
    try:
        machine.send(event, at=at, reason=reason, **details)
    except TransitionNotAllowed:
        why = "; ".join(dict.fromkeys(machine.blockers)) or "a guard refused it"
        raise IllegalTransition(f"cannot {event!r} an incident in state {source!r}: {why}") from None
    append_event(
        session,
        incident_id=incident.id,
        actor=actor,
        action=f"transition:{event}",
        reason=reason,
        from_state=source,
        to_state=incident.status,
        details={k: v for k, v in details.items() if isinstance(v, str | int | float | bool | None)},
        at=at,
    )
    return incident.status


def allowed_events(session: Session, incident: Incident) -> list[str]:
    return [e.id for e in BreachLifecycle(incident, session).allowed_events]


# Moves off the main line: holds, going back to drafting, closing without notice, closing after notice.
_SIDE_EVENTS = frozenset({"hold", "release", "revise", "close_no_notice", "close", "renotify"})


def reopen_notification(session: Session, incident: Incident, *, actor: str, reason: str) -> bool:
    """A notified incident with a duty open again (people imported since, a law that now applies) goes back to
    notifying, so the response sends what is still owed and can be closed only once everything is met."""
    if incident.status != "notified":
        return False
    try:
        fire(session, incident, "renotify", actor=actor, reason=reason)
    except IllegalTransition:  # every duty is met: nothing to reopen
        return False
    return True


def main_line() -> list[tuple[str, str]]:
    """(event, state it leads to) along the lifecycle's main line, from detection to ``notified``: read from the
    machine's own transitions, so the response plan follows the lifecycle and never a list kept beside it."""
    out: list[tuple[str, str]] = []
    state = BreachLifecycle.initial_state
    while True:
        moves = [t for t in state.transitions if t.event not in _SIDE_EVENTS and t.target is not state]
        if not moves:
            return out
        (move,) = moves
        out.append((move.event, move.target.value))
        state = move.target

