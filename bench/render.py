"""Benchmark: notices rendered for each person and checked against the laws' content rules, per second, against
plain Jinja2 rendering of the same templates with the same context.

    PYTHONPATH=. .venv/bin/python -m bench.render [--people 5000] [--mode both|ours|plain]

It drafts a real California notice (an incident of the test kind, in a temporary BREACHCLOCK_HOME), then, for
N synthetic recipients with varying exposed elements, does what sending does: each person's context (name,
their own elements in plain words, the steps and agencies that fit them), every channel rendered from the
approved snapshot in the sandboxed environment, and the content rules of every law the notice is given under
checked on the letter (``LetterChecks``: in full once per letter shape, channel × the person's elements, as
the send path does). The baseline renders the same template files (text, subject, HTML) with a plain
``jinja2.Environment`` and the same contexts, and checks nothing. Building the contexts is outside both timings. The target is at least
0.8x the baseline's throughput; the ratio is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

COMBOS = [["ssn"], ["ssn", "dob"], ["drivers_license"], ["ssn", "financial_account"], ["medical", "ssn"],
          ["username", "password"], ["dob", "address", "ssn"]]


def _setup() -> tuple[str, str, dict, dict]:  # type: ignore[type-arg]
    """A drafted California notice: its id, jurisdiction, context and variants."""
    from breachclock.models.db import get_engine, session_scope
    from breachclock.models.incident.lifecycle import fire
    from breachclock.models.incident.service import open_incident
    from breachclock.models.notice.drafting import draft_notices, variants_of
    from breachclock.models.notice.models import Notice
    from breachclock.playbooks.facts import IncidentFacts

    facts = IncidentFacts.model_validate({
        "title": "Ransomware on the document management server", "summary": "An attacker encrypted a file server.",
        "entity": {"name": "Example LLP", "timezone": "America/New_York", "roles": ["data_owner"]},
        "discovered_at": "2026-03-02T10:00:00-05:00", "data_elements": ["name", "ssn", "dob"],
        "affected": {"US-CA": 5000},
        "credit_monitoring": {"provider": "Example Identity Services", "months": 24,
                              "enrollment": "www.example-identity.test, code TEST-1"}})
    engine = get_engine()
    with session_scope(engine) as s:
        inc = open_incident(s, facts, source=b"bench", playbook=None, actor="bench")
        for event in ("triage", "contain", "scope", "assess", "draft"):
            fire(s, inc, event, actor="bench", reason="benchmark")
        draft_notices(s, inc, actor="bench")
        notice = next(n for n in s.query(Notice).filter_by(incident_id=inc.id, audience="individual"))
        variants = {c: (v.templates, v.template_name) for c, v in variants_of(s, notice.id).items()}
        return notice.id, notice.jurisdiction, dict(notice.context), variants


def _contexts(jurisdiction: str, base: dict, n: int) -> list[tuple[frozenset[str], dict]]:  # type: ignore[type-arg]
    """Each person's exposed elements and context, as sending builds it."""
    from breachclock.models.notice.content import person_content

    rng = random.Random(7)
    out = []
    for i in range(n):
        elements = rng.choice(COMBOS)
        ctx = dict(base)
        ctx["recipient_name"] = f"Person {i} Example"
        ctx.update(person_content(jurisdiction, elements))
        out.append((frozenset(elements), ctx))
    return out


def ours(notice_id: str, variants: dict, contexts: list) -> float:  # type: ignore[type-arg]
    """What sending does for each letter: render it from the approved snapshot, check its shape's rules."""
    from breachclock.models.db import get_engine, session_scope
    from breachclock.models.notice.models import Notice
    from breachclock.models.notice.validation import LetterChecks
    from breachclock.notifications.templates import render_snapshot

    with session_scope(get_engine()) as s:
        checks = LetterChecks(s, s.get(Notice, notice_id))  # type: ignore[arg-type]
        started = time.perf_counter()
        failed = 0
        for elements, ctx in contexts:
            for channel, (templates, name) in variants.items():
                r = render_snapshot(templates, name, ctx)
                failed += len(checks.failures(channel, elements, "\n".join(filter(None, [r.subject, r.text]))))
        elapsed = time.perf_counter() - started
    if failed:
        print(f"warning: {failed} letter(s) failed a content rule", file=sys.stderr)
    return elapsed


def plain(variants: dict, contexts: list[dict]) -> float:  # type: ignore[type-arg]
    import jinja2

    envs = {c: jinja2.Environment(loader=jinja2.DictLoader(t), autoescape=jinja2.select_autoescape(["html"]),
                                  trim_blocks=True, lstrip_blocks=True) for c, (t, _) in variants.items()}
    started = time.perf_counter()
    for _, ctx in contexts:
        for channel, (templates, name) in variants.items():
            prefix = name.removesuffix(".txt")
            env = envs[channel]
            env.get_template(f"{prefix}.txt").render(ctx)
            if f"{prefix}.subject.txt" in templates:
                env.get_template(f"{prefix}.subject.txt").render(ctx)
            if f"{prefix}.html" in templates:
                env.get_template(f"{prefix}.html").render(ctx)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--mode", choices=("both", "ours", "plain"), default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["BREACHCLOCK_HOME"] = home
        os.environ.pop("BREACHCLOCK_DATABASE_URL", None)
        notice_id, jurisdiction, base, variants = _setup()
        contexts = _contexts(jurisdiction, base, args.people)
        print(f"{args.people} people × {len(variants)} channels ({', '.join(variants)}), "
              f"{len({e for e, _ in contexts})} letter shapes")
        results = {}
        if args.mode in ("both", "plain"):
            results["plain"] = plain(variants, contexts)
        if args.mode in ("both", "ours"):
            results["ours"] = ours(notice_id, variants, contexts)
        for mode, seconds in results.items():
            label = "breachclock (sandboxed, snapshot, checked)" if mode == "ours" else "plain Jinja2"
            print(f"{label:<44} {args.people / seconds:10.0f} notices/s  ({seconds:.2f} s)")
        if len(results) == 2:
            ratio = results["plain"] / results["ours"]
            print(f"throughput ratio breachclock / plain: {ratio:.2f}x (target >= 0.80x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
