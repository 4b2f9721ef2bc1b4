"""Paging the on-call responders through the PagerDuty Events API v2.

A page is a ``trigger`` event whose ``dedup_key`` is the message's idempotency
key, so PagerDuty itself folds a resent page into the open alert: this is the
one provider here with real idempotency. PagerDuty answers 202 with the
``dedup_key`` it used. Pages go to our own responders and should say what to
look at (incident and notice ids), not whom the breach concerns.
"""

from __future__ import annotations

import logging

import httpx
from breachclock.notifications.channels import (
    DeliveryError,
    OutgoingMessage,
    Receipt,
    is_retryable_status,
    parse_retry_after,
    utcnow,
)
from pydantic import SecretStr

logger = logging.getLogger(__name__)

_MAX_SUMMARY = 1024  # PagerDuty truncates longer summaries.
_MAX_DEDUP_KEY = 255


class PagerDutyChannel:
    """Triggers PagerDuty alerts; 429 and 5xx are retryable, 400 is not."""

    name = "page"
    provider = "pagerduty"
    simulated = False

    def __init__(
        self,
        routing_key: SecretStr,
        url: str = "https://events.pagerduty.com/v2/enqueue",
        timeout: float = 10,
        *,
        source: str = "breachclock",
        severity: str = "critical",
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._routing_key = routing_key
        self._url = url
        self._timeout = timeout
        self._source = source
        self._severity = severity

    def send(self, message: OutgoingMessage) -> Receipt:
        notice_id = message.notice_id
        if len(message.idempotency_key) > _MAX_DEDUP_KEY:
            raise DeliveryError(
                "idempotency key too long for a dedup_key",
                channel=self.name,
                retryable=False,
                notice_id=notice_id,
            )
        first_line = next((line.strip() for line in message.text.splitlines() if line.strip()), "")
        summary = (message.subject or first_line or "breachclock page")[:_MAX_SUMMARY]
        event = {
            "routing_key": self._routing_key.get_secret_value(),
            "event_action": "trigger",
            "dedup_key": message.idempotency_key,
            "payload": {
                "summary": summary,
                "source": self._source,
                "severity": self._severity,
                "custom_details": {"text": message.text, "target": message.to, **message.metadata},
            },
        }
        try:
            response = httpx.post(self._url, json=event, timeout=self._timeout)
        except httpx.TransportError as exc:
            # A timeout after the request went out may still have opened the alert; the dedup_key makes a resend safe.
            raise DeliveryError(
                "network error",
                channel=self.name,
                retryable=True,
                provider_code=type(exc).__name__,
                maybe_delivered=isinstance(exc, httpx.TimeoutException | httpx.RemoteProtocolError),
                notice_id=notice_id,
            ) from None
        if response.status_code != 202:
            raise DeliveryError(
                "rejected by provider",
                channel=self.name,
                retryable=is_retryable_status(response.status_code),
                status=response.status_code,
                provider_code=_status_field(response),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                maybe_delivered=response.status_code >= 500,
                notice_id=notice_id,
            )
        dedup_key = _json_field(response, "dedup_key") or message.idempotency_key
        logger.info("pagerduty accepted notice_id=%s dedup_key=%s", notice_id, dedup_key)
        return Receipt(
            provider=self.provider,
            provider_message_id=dedup_key,
            accepted_at=utcnow(),
            status=_json_field(response, "status") or "success",
        )


def _json_field(response: httpx.Response, key: str) -> str | None:
    try:
        value = response.json().get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _status_field(response: httpx.Response) -> str | None:
    """PagerDuty's ``status`` words ("invalid event", "throttle event") are safe provider codes."""
    value = _json_field(response, "status")
    return value[:60] if value else None
