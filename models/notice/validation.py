"""Checking every rendered variant of a notice against the content rules of every law it is given under.

The rules are the ``content_rules`` of each obligation's rule, in the exact rule version the obligation
snapshotted; the text checked is what the recipient gets on each channel (the letter, the e-mail's text
part). A notice with a failed rule cannot be approved; what text cannot show is listed for counsel to confirm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from breachclock.models.notice.content import context_facts
from breachclock.models.notice.drafting import variants_of
from breachclock.models.notice.models import Notice, NoticeObligation
from breachclock.models.notice.rules import rules_of
from breachclock.models.obligation.models import Obligation
from breachclock.playbooks.content_rules import ContentRule, Finding, NoticeFacts, blocking, check
from sqlalchemy import select
from sqlalchemy.orm import Session


def notice_facts(notice: Notice, channel: str, elements: frozenset[str] | None = None,
                 obligations: Iterable[Obligation] = ()) -> NoticeFacts:
    """What a notice's checks compare with, from its stored context (no personal data); ``elements``: one
    person's own exposed elements, for their letter (default: the notice's). The numbers of people its
    ``obligations`` counted are compared too: a letter to people carries no count in its context, yet must not
    state one where a law forbids it (Massachusetts)."""
    facts = context_facts(notice.context, channel, elements)
    counts = {n for o in obligations for n in (sum((o.counts or {}).values()), *(o.counts or {}).values()) if n > 0}
    return replace(facts, residents_counts=tuple(sorted(counts | set(facts.residents_counts))))


def _obligations(session: Session, notice: Notice) -> list[Obligation]:
    return list(session.scalars(select(Obligation).join(
        NoticeObligation, NoticeObligation.obligation_id == Obligation.id).where(
        NoticeObligation.notice_id == notice.id).order_by(Obligation.id)))


def validate_notice(session: Session, notice: Notice) -> list[Finding]:
    """Every applicable content rule on every variant of the notice, in rule order."""
    obligations = _obligations(session, notice)
    findings: list[Finding] = []
    # A substitute notice is the letter published: what a law forbids a letter to say, it must not say either.
    public = notice.audience == "substitute"
    for channel, variant in sorted(variants_of(session, notice.id).items()):
        facts = notice_facts(notice, "postal" if public else channel, obligations=obligations)
        text = "\n".join(filter(None, [variant.subject, variant.text]))
        for obligation in obligations:
            for rule in rules_of(obligation):
                if public and rule.must != "exclude":
                    continue
                if (finding := check(obligation.regime, rule, text, facts)) is not None:
                    findings.append(finding)
    if notice.context.get("translation_stale"):
        language = notice.context.get("translation")
        findings.append(Finding("translation", "translation_current", "all", "confirm", None,
                                f"incident file translations.{language}",
                                "the incident's English words changed after they were translated and the "
                                f"translation did not: check translations.{language} says the same before approving"))
    return findings


class LetterChecks:
    """The content rules checked again on each person's own letter as it is sent.

    Counsel approved the draft with a sample recipient; a person's letter differs from it by their name and by
    what fits their own exposed elements (their elements in plain words, the steps and agencies for them), and a
    rule that turns on elements (California's agencies where an SSN or licence number was exposed) is judged
    against theirs. Letters of one shape (channel and the person's elements) differ only by the name, so each
    shape is checked in full once per send run and its result reused.
    """

    def __init__(self, session: Session, notice: Notice) -> None:
        self._notice = notice
        self._obligations = _obligations(session, notice)
        self._rules: list[tuple[str, ContentRule]] = [(o.regime, r) for o in self._obligations for r in rules_of(o)]
        self._seen: dict[tuple[str, frozenset[str]], list[Finding]] = {}

    def failures(self, channel: str, elements: frozenset[str], text: str) -> list[Finding]:
        """The rules this letter fails (empty: it may go out)."""
        key = (channel, elements)
        if key not in self._seen:
            facts = notice_facts(self._notice, channel, elements, self._obligations)
            self._seen[key] = blocking([f for regime, rule in self._rules
                                        if (f := check(regime, rule, text, facts)) is not None])
        return self._seen[key]
