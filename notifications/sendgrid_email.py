"""Email delivery through SendGrid's v3 ``mail/send`` API, using the official SDK.

SendGrid answers 202 with an empty body and the message id in the
``X-Message-Id`` header. It has no idempotency key, so the key and the ids in
the message metadata travel as ``custom_args``: they come back in SendGrid's
event webhooks and activity search, which is how the outbox reconciles a send
whose answer was lost.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
from datetime import datetime
from email.utils import parseaddr

from breachclock.notifications.channels import (
    DeliveryError,
    Lookup,
    OutgoingMessage,
    Receipt,
    is_retryable_status,
    parse_retry_after,
    utcnow,
)
from pydantic import SecretStr
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    ClickTracking,
    CustomArg,
    From,
    Mail,
    OpenTracking,
    To,
    TrackingSettings,
)

logger = logging.getLogger(__name__)

_SDK_LOGGER = "python_http_client.client"
_SAFE_FIELD = re.compile(r"^[A-Za-z0-9_.\[\]]{1,80}$")


class _DropSdkDebugRecords(logging.Filter):
    """Drops python_http_client's DEBUG records: they print request payloads (addresses, bodies)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def _silence_sdk_payload_logging() -> None:
    sdk_logger = logging.getLogger(_SDK_LOGGER)
    if not any(isinstance(f, _DropSdkDebugRecords) for f in sdk_logger.filters):
        sdk_logger.addFilter(_DropSdkDebugRecords())


class SendGridEmailChannel:
    """Sends email through SendGrid; 429 and 5xx are retryable, other 4xx are not."""

    name = "email"
    provider = "sendgrid"
    simulated = False

    def __init__(
        self,
        api_key: SecretStr,
        from_email: str,
        host: str = "https://api.sendgrid.com",
        timeout: float = 10,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        _silence_sdk_payload_logging()
        self._from_email = from_email
        self._client = SendGridAPIClient(api_key.get_secret_value(), host=host)
        # The SDK's HTTP client has no timeout by default; chained sub-clients inherit this one.
        self._client.client.timeout = timeout

    def send(self, message: OutgoingMessage) -> Receipt:
        notice_id = message.notice_id
        if not message.subject:
            raise DeliveryError("email needs a subject", channel=self.name, retryable=False, notice_id=notice_id)
        if "@" not in parseaddr(message.to)[1]:
            raise DeliveryError(
                "recipient is not an email address",
                channel=self.name,
                retryable=False,
                provider_code="invalid_recipient",
                notice_id=notice_id,
            )
        mail = self._build_mail(message)
        try:
            response = self._client.send(mail)
        except HTTPError as exc:
            raise self._http_error(exc, notice_id) from None
        except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts are OSErrors
            # The request may have reached SendGrid before the connection failed.
            raise DeliveryError(
                "network error",
                channel=self.name,
                retryable=True,
                provider_code=type(exc).__name__,
                maybe_delivered=True,
                notice_id=notice_id,
            ) from None
        if response.status_code != 202:
            raise DeliveryError(
                "unexpected response",
                channel=self.name,
                retryable=False,
                status=response.status_code,
                maybe_delivered=True,
                notice_id=notice_id,
            )
        message_id = response.headers.get("X-Message-Id")
        if not message_id:
            raise DeliveryError(
                "accepted without X-Message-Id",
                channel=self.name,
                retryable=False,
                status=response.status_code,
                maybe_delivered=True,
                notice_id=notice_id,
            )
        logger.info("sendgrid accepted notice_id=%s message_id=%s", notice_id, message_id)
        return Receipt(provider=self.provider, provider_message_id=message_id, accepted_at=utcnow(), status="accepted")

    def find(self, message: OutgoingMessage, since: datetime) -> Lookup:
        """Look the message up in SendGrid's Email Activity by our idempotency key (sent as a custom arg).

        The activity feed needs SendGrid's "additional email activity history" add-on and lags behind sending,
        so "not found" is never certain: such a message stays for a person to settle.
        """
        query = f"unique_args['idempotency_key']=\"{message.idempotency_key}\""
        try:
            response = self._client.client.messages.get(query_params={"query": query, "limit": 5})
            found = (json.loads(response.body or b"{}").get("messages") or []) if response.status_code == 200 else []
        except (HTTPError, OSError, http.client.HTTPException, ValueError):
            return Lookup(None, certain=False)
        hit = next((m for m in found if isinstance(m, dict) and m.get("msg_id")), None)
        if hit is None:
            return Lookup(None, certain=False)
        return Lookup(Receipt(provider=self.provider, provider_message_id=str(hit["msg_id"]), accepted_at=utcnow(),
                              status=str(hit.get("status") or "found")), certain=True)

    def _build_mail(self, message: OutgoingMessage) -> Mail:
        mail = Mail(
            from_email=From(self._from_email),
            to_emails=To(message.to),
            subject=message.subject,
            plain_text_content=message.text,
            html_content=message.html,
        )
        custom_args = {**message.metadata, "idempotency_key": message.idempotency_key}
        mail.custom_arg = [CustomArg(key, value) for key, value in sorted(custom_args.items())]
        # Rewritten links in a breach notice look like phishing, and open pixels track the victims.
        mail.tracking_settings = TrackingSettings(
            click_tracking=ClickTracking(enable=False, enable_text=False),
            open_tracking=OpenTracking(enable=False),
        )
        return mail

    def _http_error(self, exc: HTTPError, notice_id: str | None) -> DeliveryError:
        status = int(exc.status_code)
        headers = exc.headers
        retry_after = parse_retry_after(headers.get("Retry-After")) if headers is not None else None
        return DeliveryError(
            "rejected by provider",
            channel=self.name,
            retryable=is_retryable_status(status),
            status=status,
            provider_code=_error_field(exc.body),
            retry_after=retry_after,
            # A 5xx may come from a proxy after SendGrid queued the mail; 4xx means it did not.
            maybe_delivered=status >= 500,
            notice_id=notice_id,
        )


def _error_field(body: bytes | str | None) -> str | None:
    """The ``field`` SendGrid blames (a JSON path, never a value), as the provider code."""
    if not body:
        return None
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return None
    for error in errors:
        field = error.get("field") if isinstance(error, dict) else None
        if isinstance(field, str) and _SAFE_FIELD.match(field):
            return f"field:{field}"
    return None
