"""The delivery-channel interface and the in-memory channel.

Every side effect of notifying someone goes through a :class:`Channel`: it takes
one :class:`OutgoingMessage` and returns a :class:`Receipt`, or raises
:class:`DeliveryError`. The real channels live next to this module, one per
provider (``sendgrid_email``, ``twilio_sms``, ``postal``, ``pagerduty``);
:class:`InMemoryChannel` is the honest test double that flows and tests use.

Exactly-once delivery is not a channel's job: providers such as SendGrid and
Twilio have no idempotency keys, so the caller's outbox claims a row before
sending and reconciles rows left in ``sending`` after a crash. Channels pass the
idempotency key to the provider where the API has a place for it, and
``DeliveryError.maybe_delivered`` tells the outbox when the provider may have
accepted a message whose answer was lost.

Personal data (addresses, names, bodies) never goes into a log line or an
exception message: errors carry notice ids, HTTP statuses and provider codes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

ChannelName = Literal["email", "sms", "postal", "filing", "page"]
CHANNEL_NAMES: tuple[ChannelName, ...] = ("email", "sms", "postal", "filing", "page")
# Two concatenated GSM-7 segments; a longer text is a template mistake, not something to split.
MAX_SMS_CHARS = 306
# Metadata travels to providers (e.g. SendGrid custom_args): ids only, never personal data.
METADATA_KEYS = frozenset({"notice_id", "incident_id", "delivery_id"})


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient, fully rendered, ready for a channel.

    ``to`` is an email address, an E.164 phone number, a postal address block
    (lines separated by newlines) or, for pages, a free label of the on-call
    target. ``metadata`` holds ids only (``notice_id``, ``incident_id``,
    ``delivery_id``); it may be sent to the provider and logged.
    """

    channel: ChannelName
    to: str = field(repr=False)
    subject: str | None = field(repr=False)
    text: str = field(repr=False)
    html: str | None = field(repr=False)
    idempotency_key: str
    metadata: dict[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.channel not in CHANNEL_NAMES:
            raise ValueError(f"unknown channel {self.channel!r}")
        if not self.idempotency_key:
            raise ValueError("idempotency_key must not be empty")
        unknown = set(self.metadata) - METADATA_KEYS
        if unknown:
            # Keys are ours, not personal data, so naming them is safe.
            raise ValueError(f"metadata keys must be ids only, got {sorted(unknown)}")
        if not all(isinstance(v, str) for v in self.metadata.values()):
            raise ValueError("metadata values must be strings")
        # A private copy, so the caller mutating its dict cannot change a message already queued.
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def notice_id(self) -> str | None:
        """The notice id from the metadata, the handle used in logs and errors."""
        return self.metadata.get("notice_id")


@dataclass(frozen=True)
class Receipt:
    """The provider's acknowledgement that it accepted a message.

    ``handover``: the channel only prepared the message (a letter for the mail house, a filing for a portal);
    it leaves the firm when a person mails or files it. ``simulated``: nothing left the machine at all.
    """

    provider: str
    provider_message_id: str
    accepted_at: datetime
    status: str
    handover: bool = False
    simulated: bool = False

    def __post_init__(self) -> None:
        if self.accepted_at.tzinfo is None or self.accepted_at.utcoffset() is None:
            raise ValueError("accepted_at must be an aware datetime")
        object.__setattr__(self, "accepted_at", self.accepted_at.astimezone(UTC))


class DeliveryError(Exception):
    """A channel could not hand a message to its provider.

    ``retryable`` says whether sending the same message again may succeed
    (rate limits, provider outages, network errors); ``maybe_delivered`` says
    the provider may have accepted it anyway (timeout or connection lost after
    the request was sent), so the outbox must reconcile rather than resend
    blindly. The message is built from the fields below only, so it never
    contains a recipient or a body: ``reason`` must be a fixed phrase.
    """

    def __init__(
        self,
        reason: str,
        *,
        channel: str,
        retryable: bool,
        provider_code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        maybe_delivered: bool = False,
        notice_id: str | None = None,
    ) -> None:
        self.reason = reason
        self.channel = channel
        self.retryable = retryable
        self.provider_code = provider_code
        self.status = status
        self.retry_after = retry_after
        self.maybe_delivered = maybe_delivered
        self.notice_id = notice_id
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"{self.channel} delivery failed: {self.reason}"]
        if self.notice_id:
            parts.append(f"notice_id={self.notice_id}")
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.provider_code:
            parts.append(f"provider_code={self.provider_code}")
        parts.append(f"retryable={self.retryable}")
        if self.retry_after is not None:
            parts.append(f"retry_after={self.retry_after:g}s")
        if self.maybe_delivered:
            parts.append("maybe_delivered=True")
        return " ".join(parts)

    def __reduce__(self) -> tuple[Callable[..., DeliveryError], tuple[object, ...]]:
        # Keyword-only arguments break the default pickling, and Prefect pickles task exceptions.
        return (
            _rebuild_delivery_error,
            (
                self.reason,
                self.channel,
                self.retryable,
                self.provider_code,
                self.status,
                self.retry_after,
                self.maybe_delivered,
                self.notice_id,
            ),
        )


def _rebuild_delivery_error(
    reason: str,
    channel: str,
    retryable: bool,
    provider_code: str | None,
    status: int | None,
    retry_after: float | None,
    maybe_delivered: bool,
    notice_id: str | None,
) -> DeliveryError:
    return DeliveryError(
        reason,
        channel=channel,
        retryable=retryable,
        provider_code=provider_code,
        status=status,
        retry_after=retry_after,
        maybe_delivered=maybe_delivered,
        notice_id=notice_id,
    )


def is_retryable_status(status: int) -> bool:
    """HTTP statuses worth retrying: rate limiting and server-side failures."""
    return status == 429 or status >= 500


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; HTTP dates are ignored."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0)


@dataclass(frozen=True)
class Lookup:
    """What a provider says of a message we may have sent: its receipt if it has it; ``certain`` when "not
    there" can be trusted (the provider lists every message it accepted at once), so sending is safe."""

    receipt: Receipt | None
    certain: bool


@runtime_checkable
class Channel(Protocol):
    """Something that delivers one message and says whether the provider took it.

    ``simulated`` is true for channels that deliver nothing (the in-memory ones): they may serve an
    exercise, never a real incident.
    """

    name: str
    simulated: bool

    def send(self, message: OutgoingMessage) -> Receipt:
        """Deliver ``message`` or raise :class:`DeliveryError`."""
        ...


@dataclass
class _InjectedFailure:
    retryable: bool
    maybe_delivered: bool
    status: int | None
    provider_code: str


class InMemoryChannel:
    """A channel that keeps what it is given, for tests and the ``memory`` backend.

    Receipts are deterministic (derived from the idempotency key) and sends are
    idempotent per key: a second send with a key already accepted returns the
    first receipt and records nothing. :meth:`fail_next` makes the next sends
    fail, optionally after "accepting" the message, which is what a lost
    provider response looks like to the caller.
    """

    simulated = True

    def __init__(self, name: str, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.name = name
        self.sent: list[OutgoingMessage] = []
        self.attempts = 0
        self._clock = clock
        self._receipts: dict[str, Receipt] = {}
        self._failures: list[_InjectedFailure] = []
        self._lock = threading.Lock()

    def fail_next(
        self,
        n: int = 1,
        retryable: bool = True,
        *,
        after_accept: bool = False,
        status: int | None = None,
        provider_code: str = "injected",
    ) -> None:
        """Make the next ``n`` sends raise :class:`DeliveryError`.

        With ``after_accept`` the message is recorded (as a provider would have
        accepted it) before the error is raised, with ``maybe_delivered`` set.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        failure = _InjectedFailure(retryable, after_accept, status, provider_code)
        with self._lock:
            self._failures.extend([failure] * n)

    def receipt_for(self, idempotency_key: str) -> Receipt | None:
        """The receipt of an accepted message, as a provider lookup would give it."""
        with self._lock:
            return self._receipts.get(idempotency_key)

    def find(self, message: OutgoingMessage, since: datetime) -> Lookup:
        return Lookup(self.receipt_for(message.idempotency_key), certain=True)

    def clear(self) -> None:
        """Forget everything sent and any pending injected failures."""
        with self._lock:
            self.sent.clear()
            self._receipts.clear()
            self._failures.clear()
            self.attempts = 0

    def send(self, message: OutgoingMessage) -> Receipt:
        with self._lock:
            self.attempts += 1
            failure = self._failures.pop(0) if self._failures else None
            if failure is not None and failure.maybe_delivered:
                self._accept(message)
            if failure is not None:
                raise DeliveryError(
                    "injected failure",
                    channel=self.name,
                    retryable=failure.retryable,
                    provider_code=failure.provider_code,
                    status=failure.status,
                    maybe_delivered=failure.maybe_delivered,
                    notice_id=message.notice_id,
                )
            return self._accept(message)

    def _accept(self, message: OutgoingMessage) -> Receipt:
        existing = self._receipts.get(message.idempotency_key)
        if existing is not None:
            return existing
        digest = hashlib.sha256(f"{self.name}\0{message.idempotency_key}".encode()).hexdigest()
        receipt = Receipt(
            provider=f"memory-{self.name}",
            provider_message_id=f"mem-{digest[:24]}",
            accepted_at=self._clock(),
            status="simulated",
            simulated=True,
        )
        self._receipts[message.idempotency_key] = receipt
        self.sent.append(message)
        return receipt
