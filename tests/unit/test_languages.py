"""What a language cell of an extract may say, and what a translation in the incident file must give."""

from __future__ import annotations

import pytest
from breachclock.models.scoping.rows import language_code
from pydantic import ValidationError

from tests.factories import sample_facts


@pytest.mark.parametrize(("cell", "code"), [
    ("es", "es"), ("ES", "es"), ("es-PR", "es"), ("SPA", "es"), ("ESP", "es"), ("Spanish", "es"), ("Español", "es"),
    ("Español (México)", "es"), ("Spanish - Latin America", "es"), ("Spanish; English", "es"), ("castellano", "es"),
    ("English", "en"), ("en_US", "en"), ("fr-CA", "fr"), ("Français", "fr"),
    ("Klingon", None), ("", None), ("   ", None), ("42", None)])
def test_a_language_cell_names_the_first_language_it_gives(cell, code) -> None:  # type: ignore[no-untyped-def]
    assert language_code(cell) == code


def test_a_translation_must_translate_every_measure() -> None:
    with pytest.raises(ValidationError, match="translations.es.measures_taken has 1 item"):
        sample_facts(measures_taken=["Isolated the server.", "Reset passwords."],
                     translations={"es": {"summary": "Resumen.", "measures_taken": ["Aislamos el servidor."]}})


@pytest.mark.parametrize("bad", [{"de": {"summary": "x"}}, {"es": {"summary": "  "}}, {"es": {"sumary": "x"}}])
def test_a_translation_in_an_unknown_language_blank_or_misspelt_is_refused(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        sample_facts(translations=bad)
