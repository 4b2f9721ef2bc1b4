"""Pure pieces of scoping: residency, normalisation, masking, mapping detection."""

from __future__ import annotations

import pytest
from breachclock.models.scoping.mapping import detect_mapping
from breachclock.models.scoping.rows import mask
from breachclock.playbooks.jurisdictions import fold, resolve, zip_jurisdiction


@pytest.mark.parametrize(("state", "zip_", "country", "expected"), [
    ("CA", "", "", "US-CA"), ("California", "", "", "US-CA"), ("US-CA", "", "", "US-CA"),
    ("QC", "", "", "CA-QC"), ("Québec", "", "Canada", "CA-QC"), ("", "75001", "", "US-TX"),
    ("", "90210-1234", "", "US-CA"), ("", "00901", "", "US-PR"), ("", "96910", "", "US-GU"),
    ("", "", "Germany", "DE"), ("", "", "DE", "DE"), ("", "", "PR", "US-PR"), ("Narnia", "", "", "unknown"),
    ("", "", "", "unknown"), ("", "12345", "Germany", "DE"),
    # A state or province we cannot read, and no country: the number is no evidence of a US ZIP (an Australian
    # "NSW" with postcode 2000 was once filed as a Massachusetts resident); counsel decides.
    ("Narnia", "10001", "", "unknown"), ("NSW", "02000", "", "unknown"), ("NSW", "2000", "AU", "AU-NSW"),
])
def test_resolve(state, zip_, country, expected):
    assert resolve(state, zip_, country) == expected


def test_zip_exceptions_where_a_prefix_spans_two_states():
    # 834xx is Idaho except 83414 (Wyoming) in the shipped table
    assert zip_jurisdiction("83401") == "US-ID"
    assert zip_jurisdiction("83414") == "US-WY"
    assert zip_jurisdiction("abcde") is None


def test_fold_and_mask():
    assert fold("  José  NÚÑEZ-García ") == "jose nunez garcia"
    assert mask("Quarantino") == "Q********o" and mask("abc") == "***"


def test_detect_mapping():
    m = detect_mapping(["First Name", "Surname", "E-mail", "ZIP Code", "Address 1", "Address 2", "has_ssn",
                        "DOB Exposed", "Exposed Data"])
    assert m.columns["first_name"] == ("First Name",) and m.columns["postal_code"] == ("ZIP Code",)
    assert m.columns["address"] == ("Address 1", "Address 2")
    assert m.element_flags == {"has_ssn": "ssn", "DOB Exposed": "dob"}
    assert m.elements_column == "Exposed Data"


@pytest.mark.parametrize(("state", "postcode", "country", "expected"), [
    ("", "10115", "Deutschland", "DE"),  # Berlin, not New York: a postcode abroad is not a US ZIP
    ("", "10115", "Narnia", "unknown"),  # a country we cannot read is never guessed from the postcode
    ("", "28001", "España", "ES"),
    ("", "", "México", "MX"),
    ("", "60601", "", "US-IL"),  # no country: a US ZIP is a US ZIP
    ("", "60601", "USA", "US-IL"),
])
def test_a_country_given_decides_before_a_zip_like_postcode(state, postcode, country, expected) -> None:
    assert resolve(state, postcode, country) == expected
