"""The address on a letter: what the extract gave, completed with the state its residency came from."""

from __future__ import annotations

from breachclock.models.outbox.messages import address_block


def test_a_zip_only_row_gets_the_state_its_residency_came_from() -> None:
    fields = {"full_name": "Ann Lee", "address": "1 Main St", "city": "Austin", "postal_code": "73301"}
    assert address_block(fields, "US-TX").splitlines() == ["Ann Lee", "1 Main St", "Austin TX 73301"]
    assert address_block({**fields, "city": "Ottawa", "postal_code": "K1A 0B1"}, "CA-ON").splitlines()[-1] \
        == "Ottawa ON K1A 0B1"


def test_a_given_state_is_kept_and_other_residencies_add_nothing() -> None:
    fields = {"full_name": "Ann Lee", "address": "1 Main St", "city": "Austin", "state": "Texas",
              "postal_code": "73301"}
    assert address_block(fields, "US-TX").splitlines()[-1] == "Austin Texas 73301"
    abroad = {"full_name": "Jo Bloggs", "address": "1 High St", "city": "London", "postal_code": "SW1A 1AA",
              "country": "United Kingdom"}
    assert address_block(abroad, "GB").splitlines() == ["Jo Bloggs", "1 High St", "London SW1A 1AA", "United Kingdom"]
    assert "unknown" not in address_block({"full_name": "X", "postal_code": "1"}, "unknown")
