"""PostalLetterChannel: PDF letters in an outbox folder with a manifest."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest
from breachclock.notifications.channels import DeliveryError, OutgoingMessage
from breachclock.notifications.postal import DEJAVU_SANS, PostalLetterChannel

SENDER = "Acme Health, Inc.\n100 Market Street\nSan Francisco, CA 94105"


def letter(key: str = "notice-N-1-postal", name: str = "Jane Doe", **overrides: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "channel": "postal",
        "to": f"{name}\n1 Main Street\nSpringfield, CA 90000",
        "subject": "Notice of Data Breach",
        "text": (
            f"April 1, 2026\n\nDear {name},\n\nWhat Happened\n-------------\nSomething happened.\n\n"
            "What You Can Do\n---------------\n- Review statements <b>now</b> & later\n- Freeze your credit"
        ),
        "html": None,
        "idempotency_key": key,
        "metadata": {"notice_id": "N-1"},
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def manifest_rows(outbox: Path) -> list[dict[str, str]]:
    with (outbox / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_writes_a_pdf_and_a_manifest_line(tmp_path: Path) -> None:
    receipt = PostalLetterChannel(tmp_path, SENDER).send(letter())

    pdf = tmp_path / "notice-N-1-postal.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert receipt.provider == "postal-batch"
    assert receipt.provider_message_id == hashlib.sha256(data).hexdigest()
    assert manifest_rows(tmp_path) == [
        {
            "idempotency_key": "notice-N-1-postal",
            "file_name": "notice-N-1-postal.pdf",
            "sha256": receipt.provider_message_id,
            "created_at": receipt.accepted_at.isoformat(),
        }
    ]
    assert not list(tmp_path.glob(".tmp-*"))  # no temp files left behind
    assert b"Jane Doe" not in data.split(b"stream")[0]  # no personal data in the document info


def test_resending_a_key_returns_the_existing_receipt(tmp_path: Path) -> None:
    channel = PostalLetterChannel(tmp_path, SENDER)
    first = channel.send(letter())
    second = channel.send(letter(text="A different text."))

    assert second == first
    assert len(manifest_rows(tmp_path)) == 1


def test_a_letter_missing_from_the_manifest_is_listed_on_resend(tmp_path: Path) -> None:
    channel = PostalLetterChannel(tmp_path, SENDER)
    first = channel.send(letter())
    (tmp_path / "manifest.csv").unlink()  # as if the process died between the two writes

    again = channel.send(letter())
    assert again.provider_message_id == first.provider_message_id
    assert [row["idempotency_key"] for row in manifest_rows(tmp_path)] == ["notice-N-1-postal"]


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    channel = PostalLetterChannel(tmp_path, SENDER)
    assert channel.render(letter()) == channel.render(letter())


def test_long_letters_run_to_more_pages(tmp_path: Path) -> None:
    long_text = "\n\n".join(f"Paragraph {i}. " + "Lorem ipsum dolor sit amet. " * 20 for i in range(30))
    data = PostalLetterChannel(tmp_path, SENDER).render(letter(text=long_text))
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) >= 2


@pytest.mark.skipif(not DEJAVU_SANS.exists(), reason=f"DejaVu Sans not installed at {DEJAVU_SANS} (fonts-dejavu-core)")
def test_non_latin1_names_print_with_dejavu(tmp_path: Path) -> None:
    channel = PostalLetterChannel(tmp_path, SENDER)
    assert channel.unicode_font
    channel.send(letter(name="Łukasz Żółć"))
    data = (tmp_path / "notice-N-1-postal.pdf").read_bytes()
    assert b"DejaVuSans" in data  # the font is embedded


def test_without_the_font_non_latin1_is_refused_not_garbled(tmp_path: Path) -> None:
    channel = PostalLetterChannel(tmp_path, SENDER, font_path=tmp_path / "missing.ttf")
    assert not channel.unicode_font
    channel.send(letter(key="latin", name="José Müller"))  # Windows-1252 works with Helvetica
    with pytest.raises(DeliveryError) as info:
        channel.send(letter(name="Łukasz Żółć"))
    assert info.value.provider_code == "unsupported_characters"
    assert "Łukasz" not in str(info.value)
    assert not (tmp_path / "notice-N-1-postal.pdf").exists()


@pytest.mark.parametrize("key", ["../escape", "a/b", ".hidden", ""])
def test_unsafe_keys_are_refused(tmp_path: Path, key: str) -> None:
    channel = PostalLetterChannel(tmp_path, SENDER)
    if not key:
        with pytest.raises(ValueError):
            letter(key=key)
        return
    with pytest.raises(DeliveryError) as info:
        channel.send(letter(key=key))
    assert info.value.retryable is False
