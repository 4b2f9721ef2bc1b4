"""Pure pieces of scoping: residency, normalisation, masking, mapping detection."""

from __future__ import annotations

import pytest

from breachclock.residency import resolve, zip_jurisdiction
from breachclock.scoping import detect_mapping, fold, mask


@pytest.mark.parametrize(("state", "zip_", "country", "expected"), [
    ("CA", "", "", "US-CA"), ("California", "", "", "US-CA"), ("US-CA", "", "", "US-CA"),
    ("QC", "", "", "CA-QC"), ("Québec", "", "Canada", "CA-QC"), ("", "75001", "", "US-TX"),
    ("", "90210-1234", "", "US-CA"), ("", "00901", "", "US-PR"), ("", "96910", "", "US-GU"),
    ("", "", "Germany", "DE"), ("", "", "DE", "DE"), ("", "", "PR", "US-PR"), ("Narnia", "", "", "unknown"),
    ("", "", "", "unknown"), ("", "12345", "Germany", "DE"), ("Narnia", "10001", "", "US-NY"),
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
