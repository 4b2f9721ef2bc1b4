"""SMS delivery through Twilio's Messages API, using the official SDK.

Twilio answers 201 with the message resource; its ``sid`` is the receipt id.
The Messages API has no idempotency key and no metadata field, so an SMS is
reconciled by its sid, which the outbox stores. Texts must be short and carry
no personal details: the SMS template only points to the letter or website.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import requests
from breachclock.notifications.channels import (
    MAX_SMS_CHARS,
    DeliveryError,
    Lookup,
    OutgoingMessage,
    Receipt,
    is_retryable_status,
    parse_retry_after,
    utcnow,
)
from pydantic import SecretStr
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

logger = logging.getLogger(__name__)



def _quiet_sdk_logger() -> logging.Logger:
    """A logger outside the hierarchy for the SDK: its INFO lines print request URLs and headers."""
    sdk_logger = logging.Logger("notifications.twilio_sdk", level=logging.WARNING)
    sdk_logger.addHandler(logging.NullHandler())
    return sdk_logger


class _HeaderKeepingHttpClient(TwilioHttpClient):
    """Keeps the last response's headers per thread: TwilioRestException drops Retry-After."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=_quiet_sdk_logger())
        self._last = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self._last.headers = None
        response = super().request(*args, **kwargs)
        self._last.headers = response.headers
        return response

    def last_header(self, name: str) -> str | None:
        headers = getattr(self._last, "headers", None)
        if not headers:
            return None
        lowered = name.lower()
        return next((str(v) for k, v in headers.items() if k.lower() == lowered), None)


class TwilioSmsChannel:
    """Sends SMS through Twilio; 429 and 5xx are retryable, other 4xx are not."""

    name = "sms"
    provider = "twilio"
    simulated = False

    def __init__(
        self,
        account_sid: str,
        auth_token: SecretStr,
        from_number: str,
        base_url: str | None = None,
        timeout: float = 10,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._from_number = from_number
        # TwilioHttpClient waits forever without a timeout.
        self._http = _HeaderKeepingHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token.get_secret_value(), http_client=self._http)
        if base_url:
            self._client.api.base_url = base_url.rstrip("/")

    def send(self, message: OutgoingMessage) -> Receipt:
        notice_id = message.notice_id
        if len(message.text) > MAX_SMS_CHARS:
            raise DeliveryError(
                f"text longer than {MAX_SMS_CHARS} characters",
                channel=self.name,
                retryable=False,
                provider_code="text_too_long",
                notice_id=notice_id,
            )
        if not message.to.startswith("+"):
            raise DeliveryError(
                "recipient is not an E.164 number",
                channel=self.name,
                retryable=False,
                provider_code="invalid_recipient",
                notice_id=notice_id,
            )
        try:
            created = self._client.messages.create(to=message.to, from_=self._from_number, body=message.text)
        except TwilioRestException as exc:
            status = int(exc.status)
            retry_after = parse_retry_after(self._http.last_header("Retry-After")) if status == 429 else None
            raise DeliveryError(
                "rejected by provider",
                channel=self.name,
                retryable=is_retryable_status(status),
                status=status,
                provider_code=str(exc.code) if exc.code is not None else None,
                retry_after=retry_after,
                maybe_delivered=status >= 500,
                notice_id=notice_id,
            ) from None  # Twilio's messages quote the phone number: do not chain them.
        except requests.RequestException as exc:
            raise DeliveryError(
                "network error",
                channel=self.name,
                retryable=True,
                provider_code=type(exc).__name__,
                maybe_delivered=True,
                notice_id=notice_id,
            ) from None
        except TwilioException:
            # The SDK raises this for answers it cannot parse: Twilio may have created the message.
            raise DeliveryError(
                "unreadable provider response",
                channel=self.name,
                retryable=True,
                maybe_delivered=True,
                notice_id=notice_id,
            ) from None
        sid = created.sid
        if not sid:
            raise DeliveryError(
                "accepted without a sid",
                channel=self.name,
                retryable=False,
                maybe_delivered=True,
                notice_id=notice_id,
            )
        status_text = str(created.status) if created.status else "queued"
        logger.info("twilio accepted notice_id=%s sid=%s status=%s", notice_id, sid, status_text)
        return Receipt(provider=self.provider, provider_message_id=sid, accepted_at=utcnow(), status=status_text)

    def find(self, message: OutgoingMessage, since: datetime) -> Lookup:
        """Look the message up in Twilio's message list: one to the same number, created since we claimed it, with
        the same text. Twilio lists a message as soon as it accepted it, so "not there" is certain."""
        try:
            recent = self._client.messages.list(to=message.to, limit=50)
        except (TwilioException, requests.RequestException):
            return Lookup(None, certain=False)
        for m in recent:
            created = m.date_created
            if m.body == message.text and (created is None or created >= since - timedelta(minutes=1)):
                return Lookup(Receipt(provider=self.provider, provider_message_id=str(m.sid), accepted_at=utcnow(),
                                      status=str(m.status or "found")), certain=True)
        return Lookup(None, certain=True)

