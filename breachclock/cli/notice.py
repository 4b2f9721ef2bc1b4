"""Commands about notices: review them, decide on them (counsel), send one ahead, record hand-overs, settle
deliveries in doubt."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from breachclock.cli.output import console, engine, fail, instant, print_json, print_stages, run_flow, table

app = typer.Typer()
notice_app = typer.Typer(no_args_is_help=True, help="Notices: review, send ahead, deliveries.")


@notice_app.command("list")
def notice_list(incident_id: str,
                as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """The incident's notices: recipient, jurisdiction, channels, approval, where delivery stands, deadline."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.views import notices_overview

    with session_scope(engine()) as session:
        rows = notices_overview(session, incident_id)
    if as_json:
        print_json(rows)
        return
    console.print(table(f"Notices of {incident_id}",
                        ("notice", "audience", "recipient", "jurisdiction", "language", "channels", "approval",
                         "state", "deliveries", "due (UTC)"),
                        [(r["notice"], r["audience"], r["recipient"], r["jurisdiction"], r["language"],
                          ", ".join(r["channels"]),
                          "approved" if r["approved"] else "pending", r["state"],
                          ", ".join(f"{k}: {v}" for k, v in r["deliveries"].items()) or "—",
                          f"{r['due']:%Y-%m-%d %H:%M}" if r["due"] else
                          (f"policy {r['policy_due']:%Y-%m-%d}" if r["policy_due"] else "—")) for r in rows]))


@notice_app.command("show")
def notice_show(notice_id: str) -> None:
    """Every variant of a notice as counsel reviews it (each is what its recipients get), with its hashes and the
    content checks of every law it is given under.

    Previews are written beside it under the incident's report folder: for each channel the text, an HTML page
    (an e-mail's HTML as sent) and a PDF (a letter as it is printed), and the checks.
    """
    from breachclock.models import Notice
    from breachclock.models.db import session_scope
    from breachclock.models.errors import NotFound
    from breachclock.models.notice.approval import is_approved
    from breachclock.models.notice.drafting import render_variant, variants_of, verify_notice
    from breachclock.models.notice.previews import preview_dir, write_previews
    from breachclock.models.notice.validation import validate_notice
    from breachclock.playbooks.content_rules import blocking

    with session_scope(engine()) as session:
        n = session.get(Notice, notice_id)
        if n is None:
            raise NotFound(f"no notice {notice_id!r}")
        problems = verify_notice(session, n)
        approved = is_approved(session, n)
        console.print(f"[bold]{n.id}[/] to {escape(n.recipient)} ({n.audience}, {n.jurisdiction})  "
                      f"content {n.content_hash[:16]}  " + ("[green]approved[/]" if approved else
                                                            "[yellow]not approved[/]")
                      + ("" if not problems else
                         f"\n[bold red]does not match its draft: {escape('; '.join(problems))}[/]"))
        if sample := n.context.get("sample"):
            console.print(f"[dim]sample recipient: {escape(str(sample))}[/]")
        for channel, v in variants_of(session, n.id).items():
            rendered = render_variant(v, n.context) if v.templates else None
            text = rendered.text if rendered else v.text
            html = rendered.html if rendered else v.html
            console.rule(f"{channel} · {escape(v.template_name)} · {v.content_hash[:16]}")
            if v.subject:
                console.print(v.subject, style="bold", highlight=False, markup=False)
            console.print(text, highlight=False, markup=False)
            if html:  # counsel approves the HTML too: it is what an e-mail client shows
                console.rule(f"{channel} (HTML, as sent)", style="dim")
                console.print(html, highlight=False, markup=False)
        findings = validate_notice(session, n)
        console.rule("content rules of the laws it is given under")
        for f in findings:
            style = {True: "green", False: "bold red", None: "yellow"}[f.passed]
            console.print(f.line(), style=style, highlight=False, markup=False)
        if not findings:
            console.print("no content rules in the rule data for these laws", style="dim")
        elif failed := blocking(findings):
            console.print(f"{len(failed)} rule(s) fail: the notice cannot be approved until its facts are fixed "
                          "and it is redrafted", style="bold red")
        files = write_previews(session, n)
        console.print(f"previews ({len(files)} files, HTML and PDF for each channel, checks beside them): "
                      f"{escape(str(preview_dir(n.incident_id)))}/{n.id}.*", highlight=False)


@notice_app.command("deliveries")
def notice_deliveries(notice_id: str,
                      as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """Each delivery of a notice: channel, status, attempts, the provider's id or the hand-over receipt (a person
    is shown by number, never by name)."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.views import deliveries_of

    with session_scope(engine()) as session:
        rows = deliveries_of(session, notice_id)
    if as_json:
        print_json(rows)
        return
    console.print(table(f"Deliveries of {notice_id}",
                        ("delivery", "recipient", "channel", "status", "attempts", "sent (UTC)", "provider id / receipt",
                         "last error"),
                        [(r["delivery"], r["recipient"], r["channel"], r["status"], r["attempts"],
                          f"{r['sent_at']:%Y-%m-%d %H:%M:%S}" if r["sent_at"] else "",
                          r["provider_message_id"] or r["receipt"] or "", r["last_error"] or "") for r in rows]))


@notice_app.command("send")
def notice_send(notice_id: str) -> None:
    """Send one approved notice now, ahead of the others (a client's 24-hour notice), through the same guards, as a
    run of the ``send-notices`` flow."""
    from breachclock.flows.runtime import configure_prefect, quiet_runs
    from breachclock.models import Notice
    from breachclock.models.db import session_scope
    from breachclock.models.errors import NotFound

    with session_scope(engine()) as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(f"no notice {notice_id!r}")
        incident_id = notice.incident_id
    configure_prefect()
    from breachclock.flows.notify import send_notices

    with quiet_runs():
        outcome = send_notices(incident_id, [notice_id])
    if not outcome["sent"]:
        fail(str(outcome["message"]), 1)
    console.print(f"{notice_id}: {escape(str(outcome['message']))}")


@notice_app.command("uncertain")
def notice_uncertain(incident_id: str,
                     as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    """Deliveries an interruption left in doubt that the provider could not settle: check each with the provider,
    then `notice resolve` it."""
    from breachclock.models.db import session_scope
    from breachclock.models.incident.service import get_incident
    from breachclock.models.outbox.reconcile import doubtful

    with session_scope(engine()) as session:
        get_incident(session, incident_id)
        rows = doubtful(session, incident_id)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no delivery is waiting for a person")
        return
    console.print(table(f"Deliveries of {incident_id} waiting for a person",
                        ("delivery", "notice", "channel", "attempts", "last error"),
                        [(r["delivery"], r["notice"], r["channel"], r["attempts"], r["error"] or "") for r in rows]))


@notice_app.command("resolve")
def notice_resolve(
    delivery_id: int,
    reason: Annotated[str, typer.Option(help="What the provider's records show.")],
    delivered: Annotated[bool, typer.Option("--delivered/--not-delivered",
                                            help="The provider accepted it / it must be sent again.")],
    provider_id: Annotated[str | None, typer.Option(help="The provider's message id, when delivered.")] = None,
) -> None:
    """Settle a delivery left uncertain by an interruption (never resent without a person deciding)."""
    from breachclock.models.db import session_scope
    from breachclock.models.outbox.handover import resolve_uncertain
    from breachclock.models.settings import current_actor

    with session_scope(engine()) as session:
        status = resolve_uncertain(session, delivery_id, delivered=delivered, actor=current_actor(), reason=reason,
                                   provider_message_id=provider_id).status
    console.print(f"delivery {delivery_id}: {status}")


@notice_app.command("redraft")
def notice_redraft(notice_id: str) -> None:
    """Re-render a notice from the current facts and templates (it then needs counsel's approval again)."""
    from breachclock.models import Notice
    from breachclock.models.db import session_scope
    from breachclock.models.notice.drafting import redraft
    from breachclock.models.notice.previews import write_previews
    from breachclock.models.settings import current_actor

    with session_scope(engine()) as session:
        changed = redraft(session, notice_id, actor=current_actor())
        write_previews(session, session.get(Notice, notice_id))  # type: ignore[arg-type]
    console.print(f"{notice_id}: {'redrafted; needs approval again' if changed else 'unchanged'}")


@app.command()
def approve(
    notice_id: str,
    counsel: Annotated[str, typer.Option(help="Approving counsel (recorded).")],
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead (needs --comment).")] = False,
    comment: Annotated[str | None, typer.Option()] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Resume the flow afterwards.")] = True,
) -> None:
    """Record counsel's decision on a notice's exact content; resumes the flow when nothing else waits on counsel."""
    from breachclock.models import Notice
    from breachclock.models.db import session_scope
    from breachclock.models.incident.stages import approvals_let_it_continue
    from breachclock.models.notice.approval import decide, notices_lacking_approval

    with session_scope(engine()) as session:
        decide(session, notice_id, counsel=counsel, approve=not reject, comment=comment)
        incident_id = session.get(Notice, notice_id).incident_id  # type: ignore[union-attr]
        remaining = len(notices_lacking_approval(session, incident_id))
        go_on = approvals_let_it_continue(session, incident_id)
    console.print(f"{notice_id}: {'rejected' if reject else 'approved'} by {escape(counsel)}; "
                  f"{remaining} notice(s) pending")
    if resume and go_on:
        print_stages(run_flow(incident_id))


@app.command()
def filed(
    delivery_id: int,
    receipt: Annotated[str, typer.Option(help="The portal's confirmation number, or how it was filed.")],
    at: Annotated[str | None, typer.Option(help="When it was filed (ISO 8601 with offset; default now).")] = None,
    during_hold: Annotated[bool, typer.Option(
        "--during-hold", help="It was filed while a law-enforcement hold was in effect (the record says so).")] = False,
) -> None:
    """Record that a person filed a prepared regulator, agency or media notice (portal, mail, press release)."""
    from breachclock.models.db import session_scope
    from breachclock.models.outbox.handover import record_filing
    from breachclock.models.settings import current_actor

    when = instant("--at", at)
    with session_scope(engine()) as session:
        record_filing(session, delivery_id, actor=current_actor(), receipt=receipt, at=when, during_hold=during_hold)
    console.print(f"delivery {delivery_id}: filed ({escape(receipt)})")


@app.command()
def mailed(
    incident_id: str,
    receipt: Annotated[str, typer.Option(help="The mail house's job number, a certificate of mailing...")],
    at: Annotated[str | None, typer.Option(help="When they were mailed (ISO 8601 with offset; default now).")] = None,
    during_hold: Annotated[bool, typer.Option(
        "--during-hold", help="They were mailed while a law-enforcement hold was in effect (the record says so).")
    ] = False,
) -> None:
    """Record that the incident's prepared letters were handed to the mail (each counts as sent from then)."""
    from breachclock.models.db import session_scope
    from breachclock.models.outbox.handover import record_mailing
    from breachclock.models.settings import current_actor

    when = instant("--at", at)
    with session_scope(engine()) as session:
        count = record_mailing(session, incident_id, actor=current_actor(), receipt=receipt, at=when,
                               during_hold=during_hold)
    console.print(f"{incident_id}: {count} letter(s) recorded as mailed ({escape(receipt)})")

