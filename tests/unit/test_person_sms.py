"""Text messages to people: only where every law of the notice accepts a text as notice (its methods list `sms`,
which no modelled law does today), in a template short enough to send, in English or Spanish."""

from __future__ import annotations

import pytest
from breachclock.models.notice.recipients import person_channel, person_channels_allowed
from breachclock.models.outbox.messages import e164
from breachclock.notifications.channels import MAX_SMS_CHARS
from breachclock.notifications.templates import render_notice
from breachclock.playbooks.catalog import regimes


def test_no_modelled_law_accepts_a_text_as_notice_so_no_notice_to_people_goes_by_sms() -> None:
    methods = {tuple(o.methods) for r in regimes().values() for v in r.versions for o in v.obligations
               if o.recipient_kind == "individual"}
    assert not any("sms" in m for m in methods)
    for m in methods:
        assert "sms" not in person_channels_allowed([m])


def test_a_text_is_a_channel_only_where_every_law_of_the_notice_lists_it() -> None:
    assert person_channels_allowed([["mail", "email", "sms"]]) == ["postal", "email", "sms"]
    assert person_channels_allowed([["mail", "email", "sms"], ["mail", "email"]]) == ["postal", "email"]
    # written notice first: someone with an address and a phone gets the letter
    assert person_channel(["sms", "postal"], ["postal", "email", "sms"]) == "postal"
    assert person_channel(["sms"], ["postal", "email", "sms"]) == "sms"
    assert person_channel(["sms"], ["postal", "email"]) is None


@pytest.mark.parametrize("language", [None, "es"])
def test_the_sms_fits_and_says_who_and_how_to_reach_them(language) -> None:  # type: ignore[no-untyped-def]
    ctx = {"entity_name": "Example Health Partners of Southern California",
           "entity_contact": "1-800-555-0100, privacy@example-health.test", "info_url": "https://example.test/notice"}
    sms = render_notice("individual", "sms", "US-CA", ctx, language=language)
    assert len(sms.text) <= MAX_SMS_CHARS
    assert ctx["entity_name"] in sms.text and ctx["entity_contact"] in sms.text and ctx["info_url"] in sms.text
    assert ("incidente" in sms.text) == (language == "es")


@pytest.mark.parametrize(("raw", "where", "expected"), [
    ("(555) 123-4567", "US-CA", "+15551234567"), ("1-555-123-4567", "US-NY", "+15551234567"),
    ("+44 20 7946 0958", "GB", "+442079460958"), ("020 7946 0958", "GB", None), ("", "US-CA", None),
    ("12345", "US-CA", None)])
def test_phone_numbers_are_written_as_twilio_takes_them_or_not_at_all(raw, where, expected) -> None:  # type: ignore[no-untyped-def]
    assert e164(raw, where) == expected
