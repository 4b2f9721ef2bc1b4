"""Sample messages and notice contexts for the notification tests, with planted personal data."""

from __future__ import annotations

from typing import Any

from breachclock.notifications.channels import OutgoingMessage

# Personal data the tests plant in messages, to check it never leaks into errors or logs.
RECIPIENT_EMAIL = "jane.doe.secret@example.test"
RECIPIENT_PHONE = "+14155550123"
BODY_SECRET = "SSN-ending-6789 belongs to Jane Doe"


def email_message(key: str = "notice-1-email", **overrides: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "channel": "email",
        "to": RECIPIENT_EMAIL,
        "subject": "Notice of Data Breach",
        "text": f"Dear Jane, {BODY_SECRET}",
        "html": f"<p>Dear Jane, {BODY_SECRET}</p>",
        "idempotency_key": key,
        "metadata": {"notice_id": "N-1", "incident_id": "I-1", "delivery_id": "D-1"},
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def sms_message(key: str = "notice-1-sms", **overrides: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "channel": "sms",
        "to": RECIPIENT_PHONE,
        "subject": None,
        "text": f"Acme: notice sent. {BODY_SECRET}",
        "html": None,
        "idempotency_key": key,
        "metadata": {"notice_id": "N-2"},
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def notice_context(**overrides: Any) -> dict[str, Any]:
    """A complete context for the notice templates."""
    context: dict[str, Any] = {
        "entity_name": "Acme Health, Inc.",
        "entity_contact": "1-800-555-0100 (toll-free)",
        "incident_title": "Unauthorized access to the billing system",
        "incident_summary": "An unauthorized party used stolen credentials to access our billing system.",
        "discovered_at": "March 9, 2026",
        "breach_period": "between March 3, 2026 and March 9, 2026",
        "data_elements": ["name", "Social Security number"],
        "measures_taken": ["We disabled the compromised account.", "We engaged a forensic firm."],
        "steps_for_individuals": ["Review your account statements.", "Consider a security freeze."],
        "law_enforcement_delayed": False,
        "recipient_name": "Jane Doe",
        "recipient_office": "Office of the Attorney General",
        "regime_citation": "Cal. Civ. Code \u00a7 1798.82",
        "residents_count": 1234,
        "jurisdiction": "US-CA",
        "jurisdiction_name": "California",
        "notice_date": "April 1, 2026",
        "credit_monitoring_offer": "We offer 24 months of credit monitoring at no cost.",
        "cra_contacts": [{"name": "Equifax", "phone": "1-800-685-1111", "url": "www.equifax.com"}],
    }
    context.update(overrides)
    return context
