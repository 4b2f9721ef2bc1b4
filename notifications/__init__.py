"""Delivering notices: channels behind one protocol, and the notice templates.

- ``channels`` — :class:`OutgoingMessage`, :class:`Receipt`, :class:`DeliveryError`,
  the :class:`Channel` protocol and :class:`InMemoryChannel`.
- ``sendgrid_email``, ``twilio_sms``, ``postal``, ``pagerduty`` — the real channels,
  one per provider, each imported only by whoever needs it.
- ``config`` — :class:`NotificationSettings` (``BREACHCLOCK_*``) and ``build_channels``.
- ``templates`` — ``render_notice``: sandboxed Jinja templates under ``templates/``,
  looked up from jurisdiction to country to default.

Importing this package loads no SDK and reads no settings.
"""

from breachclock.notifications.channels import Channel, DeliveryError, InMemoryChannel, OutgoingMessage, Receipt

__all__ = ["Channel", "DeliveryError", "InMemoryChannel", "OutgoingMessage", "Receipt"]
